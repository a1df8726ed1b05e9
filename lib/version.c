#include "tfy/version.h"

const char *tfy_version(void)
{
	return TFY_VERSION_STRING;
}

int32_t tfy_version_number(void)
{
	return TFY_VERSION_NUMBER;
}
