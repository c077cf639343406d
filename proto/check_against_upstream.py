#!/usr/bin/env python3
"""Compare the structure of two proto3 files (e.g. upstream CRI api.proto vs ours).

Usage:
    python3 proto/check_against_upstream.py UPSTREAM.proto OURS.proto [--ignore-order]

Only structure is compared; comments, whitespace and formatting are ignored:
  * syntax, package, imports and file options
  * services: RPC names, request/response types and client/server stream flags
  * messages (including nested ones): field label (repeated/optional),
    type (map<K,V> included), name, number, oneof membership, field options,
    reserved numbers/names
  * enums (including nested ones): value names and numbers, enum options
  * the order of top-level definitions, RPCs, fields and enum values
    (disable with --ignore-order)

Anything coming from gogo protobuf (the gogo.proto import and "(gogoproto.*)"
options) is ignored, because older upstream files carried it and we do not.
Field options listed in NON_WIRE_FIELD_OPTIONS do not change the wire format
and may be unsupported by older protoc releases; differences in them are
printed as notes and do not make the check fail.

Exit status: 0 when no structural difference is found, 1 when differences
are found, 2 on usage or parse errors.  Standard library only.
"""

import re
import sys

# Field options that do not affect the wire format or generated accessors and
# that an older protoc may not know (debug_redact needs protobuf >= 22).
NON_WIRE_FIELD_OPTIONS = {"debug_redact"}

SCALARS = {
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32",
    "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64", "bool",
    "string", "bytes",
}


class ParseError(Exception):
    pass


# --------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lcomment>//[^\n]*)
  | (?P<bcomment>/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>[-+]?(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<dotident>\.[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<sym>[{}()\[\]<>=;,:])
    """,
    re.VERBOSE | re.DOTALL,
)


def tokenize(text, path):
    tokens = []
    pos = 0
    line = 1
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise ParseError("%s:%d: unexpected character %r" % (path, line, text[pos]))
        kind = m.lastgroup
        value = m.group(kind)
        if kind not in ("ws", "lcomment", "bcomment"):
            if kind == "dotident":
                kind = "ident"
            tokens.append((kind, value, line))
        line += value.count("\n")
        pos = m.end()
    return tokens


# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------

class Parser:
    def __init__(self, text, path):
        self.path = path
        self.toks = tokenize(text, path)
        self.i = 0
        self.model = {
            "syntax": None,
            "package": "",
            "imports": [],
            "options": {},
            "services": {},       # name -> {"rpcs": {name: sig}, "order": [...], "options": {}}
            "messages": {},       # qualified name -> message dict
            "enums": {},          # qualified name -> enum dict
            "toplevel": [],       # order of top-level definitions: (kind, name)
        }

    # -- token helpers -----------------------------------------------------
    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("eof", "", -1)

    def next(self):
        tok = self.peek()
        if tok[0] == "eof":
            raise ParseError("%s: unexpected end of file" % self.path)
        self.i += 1
        return tok

    def error(self, msg, tok=None):
        tok = tok or self.peek()
        raise ParseError("%s:%d: %s (near %r)" % (self.path, tok[2], msg, tok[1]))

    def expect(self, value):
        tok = self.next()
        if tok[1] != value:
            self.error("expected %r" % value, tok)
        return tok

    def accept(self, value):
        if self.peek()[1] == value and self.peek()[0] in ("sym", "ident"):
            self.i += 1
            return True
        return False

    def ident(self):
        tok = self.next()
        if tok[0] != "ident":
            self.error("expected identifier", tok)
        return tok[1]

    def number(self):
        tok = self.next()
        if tok[0] != "number":
            self.error("expected number", tok)
        try:
            return int(tok[1], 0)
        except ValueError:
            self.error("expected integer", tok)

    # -- generic pieces ----------------------------------------------------
    def option_name(self):
        parts = []
        while True:
            if self.accept("("):
                inner = self.ident()
                self.expect(")")
                parts.append("(" + inner + ")")
            else:
                parts.append(self.ident())
            tok = self.peek()
            if tok[0] == "ident" and tok[1].startswith("."):
                # "(ext).sub" is tokenized as ")" followed by ".sub"
                self.next()
                parts.append(tok[1][1:])
            if not (self.peek()[1] == "." and self.peek()[0] == "sym"):
                break
        return ".".join(parts)

    def constant(self):
        tok = self.next()
        if tok[1] == "{":
            depth = 1
            out = ["{"]
            while depth:
                t = self.next()
                if t[1] == "{":
                    depth += 1
                elif t[1] == "}":
                    depth -= 1
                out.append(t[1])
            return " ".join(out)
        if tok[0] in ("string",):
            val = tok[1]
            # adjacent string literals are concatenated
            while self.peek()[0] == "string":
                val = val[:-1] + self.next()[1][1:]
            return val
        if tok[0] in ("number", "ident"):
            return tok[1]
        self.error("expected constant", tok)

    def option_stmt(self, into):
        # after the 'option' keyword
        name = self.option_name()
        self.expect("=")
        into[name] = self.constant()
        self.expect(";")

    def bracket_options(self):
        opts = {}
        if self.accept("["):
            while True:
                name = self.option_name()
                self.expect("=")
                opts[name] = self.constant()
                if self.accept(","):
                    continue
                self.expect("]")
                break
        return opts

    def reserved(self, target):
        # after 'reserved'
        while True:
            tok = self.peek()
            if tok[0] == "string":
                target["reserved_names"].add(self.next()[1].strip("\"'"))
            else:
                lo = self.number()
                hi = lo
                if self.accept("to"):
                    if self.accept("max"):
                        hi = "max"
                    else:
                        hi = self.number()
                target["reserved_numbers"].add((lo, hi))
            if self.accept(","):
                continue
            self.expect(";")
            break

    # -- top level ---------------------------------------------------------
    def parse(self):
        while self.peek()[0] != "eof":
            tok = self.peek()
            word = tok[1]
            if word == ";":
                self.next()
            elif word == "syntax":
                self.next()
                self.expect("=")
                self.model["syntax"] = self.constant().strip("\"'")
                self.expect(";")
            elif word == "edition":
                self.error("editions are not supported")
            elif word == "package":
                self.next()
                self.model["package"] = self.ident()
                self.expect(";")
            elif word == "import":
                self.next()
                if self.peek()[1] in ("public", "weak"):
                    self.next()
                path = self.constant().strip("\"'")
                self.expect(";")
                self.model["imports"].append(path)
            elif word == "option":
                self.next()
                self.option_stmt(self.model["options"])
            elif word == "message":
                self.next()
                name = self.message([])
                self.model["toplevel"].append(("message", name))
            elif word == "enum":
                self.next()
                name = self.enum([])
                self.model["toplevel"].append(("enum", name))
            elif word == "service":
                self.next()
                name = self.service()
                self.model["toplevel"].append(("service", name))
            elif word == "extend":
                self.error("'extend' blocks are not supported")
            else:
                self.error("unexpected token at top level")
        return self.model

    def service(self):
        name = self.ident()
        if name in self.model["services"]:
            self.error("duplicate service %s" % name)
        svc = {"rpcs": {}, "order": [], "options": {}}
        self.model["services"][name] = svc
        self.expect("{")
        while not self.accept("}"):
            word = self.peek()[1]
            if word == ";":
                self.next()
            elif word == "option":
                self.next()
                self.option_stmt(svc["options"])
            elif word == "rpc":
                self.next()
                rpc = self.ident()
                self.expect("(")
                req_stream = False
                if self.peek()[1] == "stream" and self.peek(1)[0] == "ident":
                    self.next()
                    req_stream = True
                req = self.ident()
                self.expect(")")
                self.expect("returns")
                self.expect("(")
                resp_stream = False
                if self.peek()[1] == "stream" and self.peek(1)[0] == "ident":
                    self.next()
                    resp_stream = True
                resp = self.ident()
                self.expect(")")
                rpc_opts = {}
                if self.accept("{"):
                    while not self.accept("}"):
                        if self.accept(";"):
                            continue
                        self.expect("option")
                        self.option_stmt(rpc_opts)
                else:
                    self.expect(";")
                if rpc in svc["rpcs"]:
                    self.error("duplicate rpc %s.%s" % (name, rpc))
                svc["rpcs"][rpc] = {
                    "request": req, "request_stream": req_stream,
                    "response": resp, "response_stream": resp_stream,
                    "options": rpc_opts,
                }
                svc["order"].append(rpc)
            else:
                self.error("unexpected token in service %s" % name)
        return name

    def enum(self, scope):
        name = self.ident()
        qname = ".".join(scope + [name])
        if qname in self.model["enums"] or qname in self.model["messages"]:
            self.error("duplicate definition %s" % qname)
        en = {"values": {}, "order": [], "options": {},
              "reserved_numbers": set(), "reserved_names": set()}
        self.model["enums"][qname] = en
        self.expect("{")
        while not self.accept("}"):
            word = self.peek()[1]
            if word == ";":
                self.next()
            elif word == "option":
                self.next()
                self.option_stmt(en["options"])
            elif word == "reserved":
                self.next()
                self.reserved(en)
            else:
                vname = self.ident()
                self.expect("=")
                num = self.number()
                opts = self.bracket_options()
                self.expect(";")
                if vname in en["values"]:
                    self.error("duplicate enum value %s.%s" % (qname, vname))
                en["values"][vname] = {"number": num, "options": opts}
                en["order"].append(vname)
        return qname

    def message(self, scope):
        name = self.ident()
        qname = ".".join(scope + [name])
        if qname in self.model["messages"] or qname in self.model["enums"]:
            self.error("duplicate definition %s" % qname)
        msg = {"fields": {}, "order": [], "options": {}, "nested": [],
               "reserved_numbers": set(), "reserved_names": set(),
               "scope": scope + [name], "oneofs": []}
        self.model["messages"][qname] = msg
        self.expect("{")
        self.message_body(msg, qname, None)
        return qname

    def message_body(self, msg, qname, oneof):
        scope = msg["scope"]
        while not self.accept("}"):
            word = self.peek()[1]
            if word == ";":
                self.next()
            elif word == "option":
                self.next()
                self.option_stmt(msg["options"] if oneof is None else {})
            elif oneof is None and word == "message" and self.peek(1)[0] == "ident" \
                    and self.peek(2)[1] == "{":
                self.next()
                msg["nested"].append(("message", self.message(scope)))
            elif oneof is None and word == "enum" and self.peek(1)[0] == "ident" \
                    and self.peek(2)[1] == "{":
                self.next()
                msg["nested"].append(("enum", self.enum(scope)))
            elif oneof is None and word == "oneof" and self.peek(1)[0] == "ident" \
                    and self.peek(2)[1] == "{":
                self.next()
                oname = self.ident()
                self.expect("{")
                msg["oneofs"].append(oname)
                self.message_body(msg, qname, oname)
            elif oneof is None and word == "reserved" and self.peek(1)[0] in ("number", "string"):
                self.next()
                self.reserved(msg)
            elif oneof is None and word in ("extensions", "extend"):
                self.error("'%s' is not supported" % word)
            else:
                self.field(msg, qname, oneof)

    def field(self, msg, qname, oneof):
        label = ""
        if self.peek()[1] in ("repeated", "optional", "required") and \
                self.peek(1)[0] == "ident" and self.peek(2)[1] not in ("=",):
            label = self.next()[1]
        if self.peek()[1] == "map" and self.peek(1)[1] == "<":
            self.next()
            self.expect("<")
            key = self.ident()
            self.expect(",")
            val = self.ident()
            self.expect(">")
            ftype = ("map", key, val)
        else:
            ftype = self.ident()
        fname = self.ident()
        self.expect("=")
        num = self.number()
        opts = self.bracket_options()
        self.expect(";")
        if fname in msg["fields"]:
            self.error("duplicate field %s.%s" % (qname, fname))
        msg["fields"][fname] = {"label": label, "type": ftype, "number": num,
                                "oneof": oneof, "options": opts}
        msg["order"].append(fname)


# --------------------------------------------------------------------------
# Type resolution
# --------------------------------------------------------------------------

def resolve_types(model):
    """Rewrite message/enum type references to fully-qualified names."""
    pkg = model["package"]
    defined = set(model["messages"]) | set(model["enums"])

    def resolve(name, scope):
        if name in SCALARS:
            return name
        if name.startswith("."):
            stripped = name[1:]
            if pkg and stripped.startswith(pkg + "."):
                stripped = stripped[len(pkg) + 1:]
            return stripped if stripped in defined else name
        if pkg and name.startswith(pkg + ".") and name[len(pkg) + 1:] in defined:
            return name[len(pkg) + 1:]
        for k in range(len(scope), -1, -1):
            cand = ".".join(scope[:k] + [name])
            if cand in defined:
                return cand
        return name  # unresolved (e.g. imported); compare textually

    for qname, msg in model["messages"].items():
        for f in msg["fields"].values():
            t = f["type"]
            if isinstance(t, tuple):
                f["type"] = ("map", resolve(t[1], msg["scope"]), resolve(t[2], msg["scope"]))
            else:
                f["type"] = resolve(t, msg["scope"])
    for svc in model["services"].values():
        for rpc in svc["rpcs"].values():
            rpc["request"] = resolve(rpc["request"], [])
            rpc["response"] = resolve(rpc["response"], [])
    return model


def drop_gogo(model):
    model["imports"] = [i for i in model["imports"] if "gogo" not in i]
    model["options"] = {k: v for k, v in model["options"].items() if "gogoproto" not in k}
    for msg in model["messages"].values():
        msg["options"] = {k: v for k, v in msg["options"].items() if "gogoproto" not in k}
        for f in msg["fields"].values():
            f["options"] = {k: v for k, v in f["options"].items() if "gogoproto" not in k}
    for en in model["enums"].values():
        en["options"] = {k: v for k, v in en["options"].items() if "gogoproto" not in k}
        for v in en["values"].values():
            v["options"] = {k: x for k, x in v["options"].items() if "gogoproto" not in k}
    return model


def load(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    model = Parser(text, path).parse()
    return resolve_types(drop_gogo(model))


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------

def fmt_type(t):
    if isinstance(t, tuple):
        return "map<%s, %s>" % (t[1], t[2])
    return t


def fmt_field(f):
    parts = []
    if f["label"]:
        parts.append(f["label"])
    parts.append(fmt_type(f["type"]))
    s = " ".join(parts) + " = %d" % f["number"]
    if f["oneof"]:
        s += " (oneof %s)" % f["oneof"]
    return s


def fmt_rpc(r):
    return "(%s%s) returns (%s%s)" % (
        "stream " if r["request_stream"] else "", r["request"],
        "stream " if r["response_stream"] else "", r["response"])


def compare_order(label, a_list, b_list, diffs):
    common = [x for x in a_list if x in set(b_list)]
    b_common = [x for x in b_list if x in set(a_list)]
    if common != b_common:
        for idx, (x, y) in enumerate(zip(common, b_common)):
            if x != y:
                diffs.append("%s: order differs at position %d (upstream %s, ours %s)"
                             % (label, idx, x, y))
                return


def compare_options(label, a, b, diffs, notes, non_wire=()):
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        if va == vb:
            continue
        msg = "%s: option %s: upstream %s, ours %s" % (
            label, k, va if va is not None else "<unset>", vb if vb is not None else "<unset>")
        (notes if k in non_wire else diffs).append(msg)


def compare(up, ours, check_order=True):
    diffs, notes = [], []

    if up["syntax"] != ours["syntax"]:
        diffs.append("syntax: upstream %r, ours %r" % (up["syntax"], ours["syntax"]))
    if up["package"] != ours["package"]:
        diffs.append("package: upstream %r, ours %r" % (up["package"], ours["package"]))
    if sorted(up["imports"]) != sorted(ours["imports"]):
        diffs.append("imports: upstream %s, ours %s" % (up["imports"], ours["imports"]))
    compare_options("file", up["options"], ours["options"], diffs, notes)

    # services
    for s in sorted(set(up["services"]) | set(ours["services"])):
        if s not in ours["services"]:
            diffs.append("service %s: missing in ours" % s)
            continue
        if s not in up["services"]:
            diffs.append("service %s: extra in ours" % s)
            continue
        a, b = up["services"][s], ours["services"][s]
        for r in a["order"]:
            if r not in b["rpcs"]:
                diffs.append("rpc %s.%s%s: missing in ours" % (s, r, fmt_rpc(a["rpcs"][r])))
        for r in b["order"]:
            if r not in a["rpcs"]:
                diffs.append("rpc %s.%s%s: extra in ours" % (s, r, fmt_rpc(b["rpcs"][r])))
        for r in a["order"]:
            if r in b["rpcs"]:
                ra, rb = a["rpcs"][r], b["rpcs"][r]
                if fmt_rpc(ra) != fmt_rpc(rb):
                    diffs.append("rpc %s.%s: upstream %s, ours %s" % (s, r, fmt_rpc(ra), fmt_rpc(rb)))
                compare_options("rpc %s.%s" % (s, r), ra["options"], rb["options"], diffs, notes)
        compare_options("service %s" % s, a["options"], b["options"], diffs, notes)
        if check_order:
            compare_order("service %s rpcs" % s, a["order"], b["order"], diffs)

    # messages
    for m in sorted(set(up["messages"]) | set(ours["messages"])):
        if m not in ours["messages"]:
            diffs.append("message %s: missing in ours" % m)
            continue
        if m not in up["messages"]:
            diffs.append("message %s: extra in ours" % m)
            continue
        a, b = up["messages"][m], ours["messages"][m]
        for f in a["order"]:
            if f not in b["fields"]:
                diffs.append("field %s.%s (%s): missing in ours" % (m, f, fmt_field(a["fields"][f])))
        for f in b["order"]:
            if f not in a["fields"]:
                diffs.append("field %s.%s (%s): extra in ours" % (m, f, fmt_field(b["fields"][f])))
        for f in a["order"]:
            if f in b["fields"]:
                fa, fb = a["fields"][f], b["fields"][f]
                if fmt_field(fa) != fmt_field(fb):
                    diffs.append("field %s.%s: upstream %s, ours %s" % (m, f, fmt_field(fa), fmt_field(fb)))
                compare_options("field %s.%s" % (m, f), fa["options"], fb["options"],
                                diffs, notes, NON_WIRE_FIELD_OPTIONS)
        nums_b = {}
        for f, fb in b["fields"].items():
            if fb["number"] in nums_b:
                diffs.append("message %s: ours reuses field number %d (%s, %s)"
                             % (m, fb["number"], nums_b[fb["number"]], f))
            nums_b[fb["number"]] = f
        if a["oneofs"] != b["oneofs"]:
            diffs.append("message %s: oneofs upstream %s, ours %s" % (m, a["oneofs"], b["oneofs"]))
        if a["reserved_numbers"] != b["reserved_numbers"] or a["reserved_names"] != b["reserved_names"]:
            diffs.append("message %s: reserved differs (upstream %s %s, ours %s %s)" % (
                m, sorted(a["reserved_numbers"], key=str), sorted(a["reserved_names"]),
                sorted(b["reserved_numbers"], key=str), sorted(b["reserved_names"])))
        compare_options("message %s" % m, a["options"], b["options"], diffs, notes)
        if check_order:
            compare_order("message %s fields" % m, a["order"], b["order"], diffs)
            compare_order("message %s nested definitions" % m, a["nested"], b["nested"], diffs)

    # enums
    for e in sorted(set(up["enums"]) | set(ours["enums"])):
        if e not in ours["enums"]:
            diffs.append("enum %s: missing in ours" % e)
            continue
        if e not in up["enums"]:
            diffs.append("enum %s: extra in ours" % e)
            continue
        a, b = up["enums"][e], ours["enums"][e]
        for v in a["order"]:
            if v not in b["values"]:
                diffs.append("enum value %s.%s = %d: missing in ours" % (e, v, a["values"][v]["number"]))
        for v in b["order"]:
            if v not in a["values"]:
                diffs.append("enum value %s.%s = %d: extra in ours" % (e, v, b["values"][v]["number"]))
        for v in a["order"]:
            if v in b["values"]:
                if a["values"][v]["number"] != b["values"][v]["number"]:
                    diffs.append("enum value %s.%s: upstream %d, ours %d" % (
                        e, v, a["values"][v]["number"], b["values"][v]["number"]))
                compare_options("enum value %s.%s" % (e, v), a["values"][v]["options"],
                                b["values"][v]["options"], diffs, notes)
        if a["reserved_numbers"] != b["reserved_numbers"] or a["reserved_names"] != b["reserved_names"]:
            diffs.append("enum %s: reserved differs" % e)
        compare_options("enum %s" % e, a["options"], b["options"], diffs, notes)
        if check_order:
            compare_order("enum %s values" % e, a["order"], b["order"], diffs)

    if check_order:
        compare_order("top-level definitions", up["toplevel"], ours["toplevel"], diffs)
    return diffs, notes


def summary(model):
    rpcs = ", ".join("%s: %d rpcs" % (s, len(v["rpcs"])) for s, v in model["services"].items())
    return "%d services (%s), %d messages (%d nested), %d enums (%d nested)" % (
        len(model["services"]), rpcs,
        len(model["messages"]), sum(1 for m in model["messages"] if "." in m),
        len(model["enums"]), sum(1 for e in model["enums"] if "." in e))


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = [a for a in argv[1:] if a.startswith("--")]
    unknown = [f for f in flags if f not in ("--ignore-order",)]
    if len(args) != 2 or unknown:
        sys.stderr.write(__doc__)
        return 2
    try:
        up = load(args[0])
        ours = load(args[1])
    except (OSError, ParseError) as exc:
        sys.stderr.write("error: %s\n" % exc)
        return 2
    diffs, notes = compare(up, ours, check_order="--ignore-order" not in flags)
    print("upstream: %s: %s" % (args[0], summary(up)))
    print("ours:     %s: %s" % (args[1], summary(ours)))
    for n in notes:
        print("note: " + n + " (no wire effect; not counted)")
    if diffs:
        for d in diffs:
            print("DIFF: " + d)
        print("%d structural difference(s)" % len(diffs))
        return 1
    print("no structural differences")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
