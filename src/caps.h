/* Privileges: capabilities, the bounding set, securebits, no_new_privs. */
#ifndef AIRLOCK_CAPS_H
#define AIRLOCK_CAPS_H

#include "error.h"

/* Drop every capability for good: securebits locked so root inside cannot
 * regain them on execve, bounding and ambient sets emptied, then capset(0). */
int al_caps_drop_all(struct al_error *err);
int al_caps_no_new_privs(struct al_error *err);

#endif
