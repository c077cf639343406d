// The built-in RuntimeDefault profile. Written for this project from the documented
// behaviour of the containers/common and moby default profiles; docs/seccomp.md explains
// every group and where it differs from them.
//
// defaultAction is ERRNO(ENOSYS): a syscall the list does not know (a newer kernel's)
// looks unimplemented, so libc and language runtimes take their fallback path. What
// must fail loudly gets an explicit EPERM rule: obsolete and host-wide calls, the
// kernel keyring (keyctl, add_key, request_key are not namespaced), and each
// capability-gated group when the container lacks the capability.

#include "absl/strings/string_view.h"
#include "crio/seccomp/seccomp.h"

namespace crio::seccomp {
namespace {

constexpr absl::string_view kDefaultProfile = R"json(
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 38,
  "defaultErrno": "ENOSYS",
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
    {"architecture": "SCMP_ARCH_MIPS64", "subArchitectures": ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"]},
    {"architecture": "SCMP_ARCH_MIPS64N32", "subArchitectures": ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"]},
    {"architecture": "SCMP_ARCH_MIPSEL64", "subArchitectures": ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"]},
    {"architecture": "SCMP_ARCH_MIPSEL64N32", "subArchitectures": ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"]},
    {"architecture": "SCMP_ARCH_PPC64LE", "subArchitectures": []},
    {"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]},
    {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": []}
  ],
  "syscalls": [
    {
      "names": [
        "_sysctl", "add_key", "bdflush", "create_module", "get_kernel_syms", "kexec_file_load",
        "kexec_load", "keyctl", "migrate_pages", "move_pages", "nfsservctl", "nice", "oldfstat",
        "oldlstat", "oldolduname", "oldstat", "olduname", "pciconfig_iobase", "pciconfig_read",
        "pciconfig_write", "query_module", "request_key", "sgetmask", "ssetmask", "swapoff",
        "swapon", "sysfs", "uselib", "userfaultfd", "ustat", "vm86", "vm86old", "vmsplice"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "comment": "obsolete, host-wide or key-management calls: fail loudly with EPERM rather than look unimplemented"
    },
    {
      "names": [
        "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind",
        "brk", "cachestat", "capget", "capset", "chdir", "chmod", "chown", "chown32",
        "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
        "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close",
        "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3",
        "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
        "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve",
        "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64",
        "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown",
        "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr",
        "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
        "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue",
        "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "get_robust_list",
        "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
        "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
        "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
        "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage",
        "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32",
        "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
        "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
        "io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc", "kill",
        "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
        "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
        "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "map_shadow_stack",
        "membarrier", "memfd_create", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
        "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify",
        "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
        "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd",
        "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
        "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal",
        "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll",
        "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
        "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead",
        "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64",
        "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat", "renameat2",
        "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
        "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
        "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
        "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
        "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
        "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
        "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
        "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
        "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32",
        "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
        "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
        "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt",
        "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
        "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall",
        "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx", "symlink",
        "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time",
        "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64",
        "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
        "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
        "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
        "utimensat_time64", "utimes", "vfork", "wait4", "waitid", "waitpid", "write", "writev"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "names": [
        "personality"
      ],
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {"index": 0, "value": 0, "valueTwo": 0, "op": "SCMP_CMP_EQ"}
      ],
      "comment": "personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query"
    },
    {
      "names": [
        "personality"
      ],
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}
      ],
      "comment": "personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query"
    },
    {
      "names": [
        "personality"
      ],
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {"index": 0, "value": 131072, "valueTwo": 0, "op": "SCMP_CMP_EQ"}
      ],
      "comment": "personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query"
    },
    {
      "names": [
        "personality"
      ],
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {"index": 0, "value": 131080, "valueTwo": 0, "op": "SCMP_CMP_EQ"}
      ],
      "comment": "personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query"
    },
    {
      "names": [
        "personality"
      ],
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {"index": 0, "value": 4294967295, "valueTwo": 0, "op": "SCMP_CMP_EQ"}
      ],
      "comment": "personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, query"
    },
    {
      "names": [
        "socket"
      ],
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {"index": 0, "value": 40, "valueTwo": 0, "op": "SCMP_CMP_NE"}
      ],
      "comment": "every address family but AF_VSOCK (40)"
    },
    {
      "names": [
        "socket"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "args": [
        {"index": 0, "value": 40, "valueTwo": 0, "op": "SCMP_CMP_EQ"}
      ],
      "comment": "AF_VSOCK reaches the hypervisor: denied"
    },
    {
      "names": [
        "sync_file_range2", "swapcontext"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["ppc64le"]}
    },
    {
      "names": [
        "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
        "set_tls"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["arm", "arm64"]}
    },
    {
      "names": [
        "arch_prctl"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["amd64", "x32"]}
    },
    {
      "names": [
        "modify_ldt"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["amd64", "x32", "x86"]}
    },
    {
      "names": [
        "s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["s390", "s390x"]}
    },
    {
      "names": [
        "riscv_flush_icache"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"arches": ["riscv64"]}
    },
    {
      "names": [
        "open_by_handle_at"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_DAC_READ_SEARCH"]}
    },
    {
      "names": [
        "open_by_handle_at"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_DAC_READ_SEARCH"]}
    },
    {
      "names": [
        "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie", "mount",
        "mount_setattr", "move_mount", "open_tree", "pivot_root", "quotactl", "quotactl_fd",
        "setdomainname", "sethostname", "setns", "umount", "umount2", "unshare"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_ADMIN"]},
      "comment": "mounts and namespaces"
    },
    {
      "names": [
        "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie", "mount",
        "mount_setattr", "move_mount", "open_tree", "pivot_root", "quotactl", "quotactl_fd",
        "setdomainname", "sethostname", "setns", "umount", "umount2", "unshare"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_ADMIN"]},
      "comment": "mounts and namespaces: EPERM without the capability"
    },
    {
      "names": [
        "clone", "clone3"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_ADMIN"]},
      "comment": "clone with any flags for CAP_SYS_ADMIN"
    },
    {
      "names": [
        "clone"
      ],
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}
      ],
      "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]},
      "comment": "clone without CLONE_NEW* flags (mask 0x7E020000)"
    },
    {
      "names": [
        "clone"
      ],
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {"index": 1, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}
      ],
      "includes": {"arches": ["s390", "s390x"]},
      "excludes": {"caps": ["CAP_SYS_ADMIN"]},
      "comment": "s390 swaps clone's first two arguments"
    },
    {
      "names": [
        "clone3"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 38,
      "excludes": {"caps": ["CAP_SYS_ADMIN"]},
      "comment": "clone3 passes its flags in memory, out of seccomp's reach: ENOSYS makes glibc fall back to clone"
    },
    {
      "names": [
        "bpf", "perf_event_open", "syslog"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_ADMIN"]}
    },
    {
      "names": [
        "bpf"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_BPF"]}
    },
    {
      "names": [
        "bpf"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_BPF"]}
    },
    {
      "names": [
        "perf_event_open"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_PERFMON"]}
    },
    {
      "names": [
        "perf_event_open"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_PERFMON"]}
    },
    {
      "names": [
        "syslog"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYSLOG"]}
    },
    {
      "names": [
        "syslog"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYSLOG"]}
    },
    {
      "names": [
        "reboot"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_BOOT"]}
    },
    {
      "names": [
        "reboot"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_BOOT"]}
    },
    {
      "names": [
        "chroot"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_CHROOT"]}
    },
    {
      "names": [
        "chroot"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_CHROOT"]}
    },
    {
      "names": [
        "delete_module", "finit_module", "init_module"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_MODULE"]}
    },
    {
      "names": [
        "delete_module", "finit_module", "init_module"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_MODULE"]}
    },
    {
      "names": [
        "acct"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_PACCT"]}
    },
    {
      "names": [
        "acct"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_PACCT"]}
    },
    {
      "names": [
        "kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
        "ptrace"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_PTRACE"]}
    },
    {
      "names": [
        "kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
        "ptrace"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_PTRACE"]}
    },
    {
      "names": [
        "ioperm", "iopl"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_RAWIO"]}
    },
    {
      "names": [
        "ioperm", "iopl"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_RAWIO"]}
    },
    {
      "names": [
        "clock_settime", "clock_settime64", "settimeofday", "stime"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_TIME"]}
    },
    {
      "names": [
        "clock_settime", "clock_settime64", "settimeofday", "stime"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_TIME"]}
    },
    {
      "names": [
        "vhangup"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_TTY_CONFIG"]}
    },
    {
      "names": [
        "vhangup"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_TTY_CONFIG"]}
    },
    {
      "names": [
        "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"
      ],
      "action": "SCMP_ACT_ALLOW",
      "includes": {"caps": ["CAP_SYS_NICE"]}
    },
    {
      "names": [
        "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 1,
      "excludes": {"caps": ["CAP_SYS_NICE"]}
    }
  ]
}
)json";

}  // namespace

absl::string_view DefaultProfileJson() { return kDefaultProfile; }

}  // namespace crio::seccomp
