/*
 * tfy-batches files get ID: one file.
 */
#include "commands.h"
#include "show.h"

int cmd_files_get_run(const cli_args *args, sink *out)
{
	return show_file_from(args, out, tfy_files_retrieve);
}
