# Asio and Beast are compiled once, in one translation unit (cmake/asio_src.cpp), instead of in every
# file that includes them: the biggest single saving in build time on a 2-core machine.
add_library(tamsu_asio STATIC ${CMAKE_CURRENT_LIST_DIR}/asio_src.cpp)
target_compile_definitions(tamsu_asio PUBLIC BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
                                             BOOST_ASIO_NO_DEPRECATED)
target_link_libraries(tamsu_asio PUBLIC Boost::headers Threads::Threads)
add_library(tamsu::asio ALIAS tamsu_asio)
