/*
 * Calendar arithmetic for the dates servers send (HTTP dates, ISO-8601),
 * with no time zone or libc involved.  Internal to libtfy.
 */
#ifndef TFY_CIVIL_H
#define TFY_CIVIL_H

#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
int64_t tfy__days_from_civil(int64_t y, int64_t m, int64_t d);

#endif
