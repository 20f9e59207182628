// SPDX-License-Identifier: GPL-2.0
/*
 * loadcheck: load each program of a BPF object on the running kernel with
 * libbpf and print one verdict line per program (and per object).
 *
 *   loadcheck [-s] [-t SEC=TYPE] [-x IFNAME] OBJ...
 *
 * Default: the whole object is loaded at once (what most loaders do); the
 * verdict is per object. With -s ("split"), each program is loaded alone
 * (autoload disabled for the others) so per-program results are visible.
 * -t tun_rss_steering=socket_filter sets the type of programs whose section
 *    is unknown to libbpf (as a VMM loader does with bpf_program__set_type).
 * -x IFNAME binds XDP programs to a device (BPF_F_XDP_DEV_BOUND_ONLY) so
 *    dev-bound kfuncs (XDP rx metadata) can be tested.
 *
 * Built against libbpf 1.7 (static). Used only to verify the corpus.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif

static char logbuf[1 << 16];
static size_t loglen;
static int verbose;

static int print_fn(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	if (lvl == LIBBPF_DEBUG && !verbose)
		return 0;
	if (loglen < sizeof(logbuf) - 1)
		loglen += vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);
	if (loglen >= sizeof(logbuf))
		loglen = sizeof(logbuf) - 1;
	return 0;
}

static const char *type_override_sec, *type_override_name;
static int ifindex;

static void dump_reason(void)
{
	/* print the last few interesting lines of the libbpf log */
	char *lines[4096]; int n = 0;
	char *p = strtok(logbuf, "\n");
	while (p && n < 4096) { lines[n++] = p; p = strtok(NULL, "\n"); }
	int start = n > 12 ? n - 12 : 0;
	for (int i = start; i < n; i++)
		printf("    | %s\n", lines[i]);
}

static int prepare(struct bpf_object *obj, const char *only)
{
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		if (only)
			bpf_program__set_autoload(prog, strcmp(bpf_program__name(prog), only) == 0);
		if (type_override_sec && strcmp(bpf_program__section_name(prog), type_override_sec) == 0) {
			/* only the case the corpus needs */
			if (strcmp(type_override_name, "socket_filter") == 0)
				bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
		}
		if (ifindex && bpf_program__type(prog) == BPF_PROG_TYPE_XDP) {
			bpf_program__set_ifindex(prog, ifindex);
			bpf_program__set_flags(prog, bpf_program__flags(prog) | BPF_F_XDP_DEV_BOUND_ONLY);
		}
	}
	return 0;
}

static int load_one(const char *path, const char *only)
{
	struct bpf_object *obj;
	int err;

	loglen = 0; logbuf[0] = 0;
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		printf("%s%s%s: OPEN-FAIL %s\n", path, only ? ":" : "", only ? only : "", strerror(errno));
		dump_reason();
		return 1;
	}
	prepare(obj, only);
	err = bpf_object__load(obj);
	if (err) {
		printf("%s%s%s: FAIL %d (%s)\n", path, only ? ":" : "", only ? only : "", err, strerror(-err));
		dump_reason();
	} else {
		printf("%s%s%s: OK\n", path, only ? ":" : "", only ? only : "");
		if (verbose > 1) dump_reason();
	}
	bpf_object__close(obj);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	int opt, split = 0, rc = 0;

	while ((opt = getopt(argc, argv, "svt:x:")) != -1) {
		switch (opt) {
		case 's': split = 1; break;
		case 'v': verbose++; break;
		case 't': {
			char *eq = strchr(optarg, '=');
			if (!eq) return 2;
			*eq = 0; type_override_sec = optarg; type_override_name = eq + 1;
			break;
		}
		case 'x': ifindex = if_nametoindex(optarg); break;
		default: return 2;
		}
	}
	libbpf_set_print(print_fn);
	for (int i = optind; i < argc; i++) {
		if (!split) { rc |= load_one(argv[i], NULL); continue; }
		struct bpf_object *obj = bpf_object__open_file(argv[i], NULL);
		if (!obj) { rc |= load_one(argv[i], NULL); continue; }
		struct bpf_program *prog;
		char names[64][128]; int n = 0;
		bpf_object__for_each_program(prog, obj)
			if (n < 64) snprintf(names[n++], 128, "%s", bpf_program__name(prog));
		bpf_object__close(obj);
		for (int j = 0; j < n; j++) rc |= load_one(argv[i], names[j]);
	}
	return rc;
}
