/* The public header alone: compiled as C11 -pedantic and as C++ (make
 * check-header); nothing else is included first. */
#include <airlock.h>

int main(void) { return al_version() ? 0 : 1; }
