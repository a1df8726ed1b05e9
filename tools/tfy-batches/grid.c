/*
 * tfy-batches: the layout every table shares.
 *
 * The last column is not padded: trailing blanks only get in the way of
 * copy and paste.  Colour codes take no columns, so they do not change the
 * padding.
 */
#include "grid.h"

#include <string.h>

static size_t header_width(const grid_col *c)
{
	size_t w = text_width(c->name);

	return c->min > w ? c->min : w;
}

void grid_init(grid *g, const grid_col *cols, size_t ncols)
{
	size_t col;

	memset(g, 0, sizeof *g);
	g->cols = cols;
	g->ncols = ncols < GRID_MAX_COLS ? ncols : GRID_MAX_COLS;
	for (col = 0; col < g->ncols; col++) {
		g->width[col] = header_width(&cols[col]);
		g->shown[col] = 1;
	}
}

void grid_measure(grid *g, const char *const *cells)
{
	size_t col;

	for (col = 0; col < g->ncols; col++) {
		size_t w = text_width(cells[col]), cap = g->cols[col].cap;

		if (cap != 0 && w > cap)
			w = cap;
		if (w > g->width[col])
			g->width[col] = w;
	}
}

size_t grid_total(const grid *g)
{
	size_t col, total = 0, shown = 0;

	for (col = 0; col < g->ncols; col++) {
		if (g->shown[col]) {
			total += g->width[col];
			shown++;
		}
	}
	return total + (shown > 0 ? (shown - 1) * GRID_GAP : 0);
}

/* Narrows col by what the table is too wide, down to its floor. */
static void narrow(grid *g, size_t col, size_t max_width)
{
	size_t total = grid_total(g), floor = text_width(g->cols[col].name);
	size_t *w = &g->width[col];

	if (floor < GRID_NARROW_MIN)
		floor = GRID_NARROW_MIN;
	if (total > max_width && *w > floor)
		*w -= total - max_width < *w - floor ? total - max_width : *w - floor;
}

void grid_fit(grid *g, size_t max_width)
{
	unsigned step;
	size_t col;

	if (max_width == 0)
		return;
	for (step = 1; step < 256 && grid_total(g) > max_width; step++) {
		for (col = 0; col < g->ncols; col++) {
			if (g->cols[col].narrow_step == step)
				narrow(g, col, max_width);
			if (g->cols[col].drop_step == step && grid_total(g) > max_width)
				g->shown[col] = 0;
		}
	}
}

size_t grid_put_cell(sink *out, const char *s, size_t limit)
{
	/* too narrow for the mark: cut short without it */
	if (limit != 0 && limit <= sizeof TEXT_CUT_MARK - 1)
		return text_put(out, s, limit);
	return text_put_cut(out, s, limit);
}

/* The last shown column, which is not padded. */
static size_t last_shown(const grid *g)
{
	size_t col = g->ncols;

	while (col > 0 && !g->shown[col - 1])
		col--;
	return col > 0 ? col - 1 : 0;
}

void grid_write(sink *out, const grid *g, const char *const *cells, const char *const *sgr)
{
	size_t col, last = last_shown(g), start = 0;

	for (col = 0; col <= last; col++) {
		const grid_col *c = &g->cols[col];
		const char *color = sgr != NULL ? sgr[col] : NULL;
		size_t cols;

		if (!g->shown[col])
			continue;
		if (color != NULL)
			sink_puts(out, color);
		if (cells == NULL)
			cols = grid_put_cell(out, c->name, g->width[col]);
		else /* an id up to its cap only: no real id is that wide */
			cols = grid_put_cell(out, cells[col], c->whole ? c->cap : g->width[col]);
		if (color != NULL)
			sink_puts(out, "\033[0m");
		if (col == last)
			break;
		if (cols > g->width[col]) {
			/* a whole value wider than its column: the row goes on under its columns */
			sink_puts(out, "\n");
			sink_spaces(out, start + g->width[col] + GRID_GAP);
		} else {
			sink_spaces(out, g->width[col] - cols + GRID_GAP);
		}
		start += g->width[col] + GRID_GAP;
	}
	sink_puts(out, "\n");
}

void grid_write_vertical(sink *out, const grid_col *cols, size_t ncols, const char *const *cells,
                         size_t max_width)
{
	size_t col, label = 0;

	for (col = 0; col < ncols; col++)
		if (text_width(cols[col].name) > label)
			label = text_width(cols[col].name);
	label += GRID_GAP;
	for (col = 0; col < ncols; col++) {
		size_t room = max_width > label ? max_width - label : 0;
		size_t w = text_width(cells[col]);

		text_put(out, cols[col].name, 0);
		if (max_width != 0 && cols[col].whole && w > room) {
			sink_puts(out, "\n");
			text_put(out, cells[col], 0);
		} else {
			sink_spaces(out, label - text_width(cols[col].name));
			grid_put_cell(out, cells[col], max_width != 0 && !cols[col].whole ? room : 0);
		}
		sink_puts(out, "\n");
	}
}
