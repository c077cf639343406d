# -DCRIO_SANITIZE=address,undefined instruments every target, generated code included.
if(CRIO_SANITIZE)
  add_compile_options(-fsanitize=${CRIO_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${CRIO_SANITIZE})
endif()
