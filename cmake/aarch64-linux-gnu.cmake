# Cross-build for 64-bit ARM with Debian's gcc-aarch64-linux-gnu (and libc6-dev-arm64-cross);
# the tests run under qemu-user (Debian's qemu-user), no binfmt_misc needed:
#   cmake -S . -B build-a64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
#   cmake --build build-a64 -j2 && ctest --test-dir build-a64 -R 'unit.resolve|bats.link'
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(LG_CROSS_PREFIX /usr/aarch64-linux-gnu CACHE PATH "aarch64 glibc sysroot (qemu's -L)")
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_FIND_ROOT_PATH ${LG_CROSS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

# CTest runs the test programs through it; -L finds the aarch64 loader and libc.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L ${LG_CROSS_PREFIX})
