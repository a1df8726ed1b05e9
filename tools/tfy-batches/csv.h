/*
 * tfy-batches: the csv format (RFC 4180: CRLF line ends, a header row,
 * fields quoted when they hold a comma, a quote, CR or LF, quotes doubled).
 */
#ifndef TFY_BATCHES_CSV_H
#define TFY_BATCHES_CSV_H

#include <tfy/tfy.h>

#include "text.h"

/* One field, quoted when needed, then "," or the CRLF that ends the row; NULL is empty. */
void csv_write_field(sink *out, const char *s, int last);

void csv_write_header(sink *out);
void csv_write_row(sink *out, const tfy_batch *b);

#endif
