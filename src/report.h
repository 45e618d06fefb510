/* The run report (JSON): what ran, with what limits, and how it ended. */
#ifndef AIRLOCK_REPORT_H
#define AIRLOCK_REPORT_H

#include "plan.h"
#include "sandbox.h"

/* The report as a JSON string (caller frees), NULL on allocation failure. */
char *al_report_json(const struct al_plan *plan, const struct al_result *res);

#endif
