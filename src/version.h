/* airlock's version: bumped with each release (semantic versioning). */
#ifndef AIRLOCK_VERSION_H
#define AIRLOCK_VERSION_H
#define AIRLOCK_VERSION "0.12.0"
#endif
