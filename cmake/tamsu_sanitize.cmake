# One switch for the ASan+UBSan build the test command also runs (preset asan-ubsan).
# Applied globally on purpose: a sanitized binary must not link unsanitized copies of our code.
if(TAMSU_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
endif()
