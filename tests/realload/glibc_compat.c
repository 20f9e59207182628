// SPDX-License-Identifier: MIT
/*
 * Debian sid's libbpf.a is compiled against glibc >= 2.38, whose headers in
 * C2x/GNU mode redirect sscanf/fscanf/strtoull to the __isoc23_* variants
 * (the only difference: they also accept the "0b" binary prefix for base 0 /
 * %i conversions).  The build host has glibc 2.36, which lacks them, so
 * forward them to the classic functions.  libbpf never parses binary
 * literals, so behaviour is identical.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int __isoc23_sscanf(const char *s, const char *fmt, ...);
int __isoc23_fscanf(FILE *f, const char *fmt, ...);
unsigned long long __isoc23_strtoull(const char *s, char **end, int base);

int __isoc23_sscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsscanf(s, fmt, ap);
	va_end(ap);
	return r;
}

int __isoc23_fscanf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfscanf(f, fmt, ap);
	va_end(ap);
	return r;
}

unsigned long long __isoc23_strtoull(const char *s, char **end, int base)
{
	return strtoull(s, end, base);
}
