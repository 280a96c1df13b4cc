// The one translation unit that compiles Asio and Beast (see cmake/tamsu_asio.cmake).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
