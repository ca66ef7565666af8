/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tutti-tune: propose where tutti-dp's workers, its main lcore and
 * tutti-cp should run, from the CPU and NUMA topology (hwloc) and where the
 * NIC ports sit, and optionally run a benchmark over candidate maps and
 * report the best as a table and a chart (PNG).
 *
 * The black bar of the chart is the best map. The rules, in order:
 *   - core 0 (all its hardware threads) is left to the kernel and
 *     housekeeping, as are CPUs that take many interrupts (/proc/interrupts
 *     or --irq-file); on a machine of two cores or fewer nothing is left;
 *   - workers get whole physical cores, one hardware thread each, the
 *     other threads of those cores stay idle (no SMT sibling shares a
 *     worker's core), on the NUMA node of the ports first, then the nearest
 *     other nodes (said so: cross-node traffic);
 *   - tutti-dp's main lcore and tutti-cp share one CPU that no worker uses
 *     (a sibling thread of core 0 when there is one).
 *
 * Topology: the running machine, a recorded hwloc XML file (--topology,
 * e.g. from lstopo --of xml), or an hwloc synthetic description
 * (--synthetic "pack:2 numa:1 core:8 pu:2").
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <hwloc.h>

#define MAX_CPUS	4096
#define MAX_MAPS	3

struct core {
	int index;		/* logical index among cores */
	int node;		/* NUMA node os index, -1 unknown */
	int pus[8];		/* os indexes of its hardware threads */
	int n_pus;
	bool irq_heavy;
};

struct cand {
	char name[48];
	int workers[MAX_CPUS];
	int n_workers;
	int main_cpu;		/* tutti-dp main lcore and tutti-cp */
	bool cross_node;
	double score;		/* from --bench */
	bool scored;
};

static struct core cores[MAX_CPUS];
static int n_cores;
static uint64_t irqs[MAX_CPUS];

static void
usage(FILE *f)
{
	fprintf(f,
"usage: tutti-tune [options]\n"
"\n"
"Proposes a core map for tutti-dp and tutti-cp from the CPU and NUMA\n"
"topology: workers on distinct physical cores near the NIC, their SMT\n"
"siblings idle, core 0 and interrupt-heavy CPUs left to the system, the\n"
"main lcore and tutti-cp together on a CPU no worker uses.\n"
"\n"
"  --topology FILE      a recorded hwloc XML topology (lstopo --of xml)\n"
"  --synthetic DESC     an hwloc synthetic topology, e.g.\n"
"                       \"pack:2 numa:1 core:8 pu:2\"\n"
"                       (default: this machine)\n"
"  --port PCI           a NIC port's PCI address (repeatable), e.g.\n"
"                       0000:3b:00.0: its NUMA node is preferred\n"
"  --port-node N        the ports' NUMA node, when the topology has no PCI\n"
"                       devices (synthetic ones)\n"
"  --workers N          how many workers (default: every core the rules\n"
"                       allow on the ports' node)\n"
"  --irq-file FILE      interrupt counts in /proc/interrupts form (default\n"
"                       /proc/interrupts for this machine)\n"
"  --bench CMD          run CMD once per candidate map ({lcores} and\n"
"                       {cp_cpu} replaced) and take the last number it\n"
"                       prints as the score, higher is better (e.g. the N\n"
"                       per core of bench/sysbench)\n"
"  --chart FILE.png     with --bench: a bar chart of the scores\n"
"  --export FILE.xml    write the topology used as hwloc XML\n"
"  --json               one JSON object instead of the table\n"
"  -h, --help           this help\n");
}

static int
load_topology(hwloc_topology_t *t, const char *xml, const char *synth)
{
	if (hwloc_topology_init(t) < 0)
		return -ENOMEM;
	hwloc_topology_set_io_types_filter(*t, HWLOC_TYPE_FILTER_KEEP_ALL);
	if (xml != NULL && hwloc_topology_set_xml(*t, xml) < 0)
		return -EINVAL;
	if (synth != NULL && hwloc_topology_set_synthetic(*t, synth) < 0)
		return -EINVAL;
	return hwloc_topology_load(*t) < 0 ? -EINVAL : 0;
}

static void
read_cores(hwloc_topology_t t)
{
	int n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);

	for (int i = 0; i < n && n_cores < MAX_CPUS; i++) {
		hwloc_obj_t c = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE,
						      (unsigned int)i);
		struct core *k = &cores[n_cores++];
		unsigned int pu;

		k->index = i;
		k->node = c->nodeset ? hwloc_bitmap_first(c->nodeset) : -1;
		hwloc_bitmap_foreach_begin(pu, c->cpuset)
			if (k->n_pus < 8)
				k->pus[k->n_pus++] = (int)pu;
		hwloc_bitmap_foreach_end();
	}
}

/* Interrupts per CPU from /proc/interrupts text; CPUs with more than twice
 * the median (and some) are heavy. */
static void
read_irqs(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	int cols[MAX_CPUS], n_cols = 0;
	uint64_t sorted[MAX_CPUS], median;

	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL)
		for (char *p = strtok(line, " \t\n"); p && n_cols < MAX_CPUS;
		     p = strtok(NULL, " \t\n"))
			if (sscanf(p, "CPU%d", &cols[n_cols]) == 1)
				n_cols++;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = strchr(line, ':');

		if (p == NULL)
			continue;
		p++;
		for (int i = 0; i < n_cols; i++) {
			char *end;
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			if (cols[i] >= 0 && cols[i] < MAX_CPUS)
				irqs[cols[i]] += v;
			p = end;
		}
	}
	fclose(f);
	if (n_cols == 0)
		return;
	for (int i = 0; i < n_cols; i++)
		sorted[i] = irqs[cols[i]];
	for (int i = 1; i < n_cols; i++)	/* insertion sort: small */
		for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			uint64_t x = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = x;
		}
	median = sorted[n_cols / 2];
	for (int c = 0; c < n_cores; c++)
		for (int k = 0; k < cores[c].n_pus; k++) {
			uint64_t v = irqs[cores[c].pus[k]];

			if (v > 2 * median && v > 10000)
				cores[c].irq_heavy = true;
		}
}

static int
port_node(hwloc_topology_t t, const char *busid)
{
	hwloc_obj_t o = hwloc_get_pcidev_by_busidstring(t, busid);

	o = o ? hwloc_get_non_io_ancestor_obj(t, o) : NULL;
	return o && o->nodeset ? hwloc_bitmap_first(o->nodeset) : -1;
}

/* May core k take a worker (not core 0, not busy with interrupts, not the
 * main lcore's CPU)? */
static bool
eligible(const struct core *k, int main_cpu)
{
	if (k->irq_heavy || k->pus[0] == main_cpu)
		return false;
	return n_cores <= 2 || k->index != 0;
}

/* Workers from the allowed cores: node `node` first (then the others if
 * any_node), or taking the nodes in turn (spread); max 0 = as many as
 * node `node` allows. */
static void
propose(struct cand *m, const char *name, int node, int max, bool any_node,
	bool spread)
{
	int first_node = -1;

	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	/* main lcore and tutti-cp: core 0's second thread, else core 0 */
	m->main_cpu = cores[0].n_pus > 1 ? cores[0].pus[1] : cores[0].pus[0];
	if (spread) {
		/* round r takes the r-th eligible core of every node */
		for (int r = 0; r < n_cores && (max == 0 ||
						m->n_workers < max); r++)
			for (int nd = 0; nd < MAX_CPUS; nd++) {
				int seen = 0, found = 0;

				for (int i = 0; i < n_cores; i++) {
					const struct core *k = &cores[i];

					if (k->node != nd ||
					    !eligible(k, m->main_cpu))
						continue;
					found = 1;
					if (seen++ == r && (max == 0 ||
						m->n_workers < max))
						m->workers[m->n_workers++] =
							k->pus[0];
				}
				if (!found && nd > n_cores)
					break;
			}
	} else {
		for (int pass = 0; pass < 2; pass++)
			for (int i = 0; i < n_cores; i++) {
				const struct core *k = &cores[i];

				if (!eligible(k, m->main_cpu) ||
				    (max > 0 && m->n_workers >= max))
					continue;
				if ((pass == 0) != (k->node == node))
					continue;
				if (pass == 1 && !any_node)
					continue;
				m->workers[m->n_workers++] = k->pus[0];
			}
	}
	/* cross-node: the workers are not all on one node */
	for (int w = 0; w < m->n_workers; w++)
		for (int i = 0; i < n_cores; i++)
			if (cores[i].pus[0] == m->workers[w]) {
				if (first_node < 0)
					first_node = cores[i].node;
				else if (cores[i].node != first_node)
					m->cross_node = true;
			}
}

static void
lcores_of(const struct cand *m, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "0@%d", m->main_cpu);

	for (int i = 0; i < m->n_workers && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, ",%d@%d", i + 1,
					m->workers[i]);
}

/* A bar chart of the scores as an 8-bit grey PNG (zlib for IDAT). */
static int
write_chart(const char *path, const struct cand *c, int n, int best)
{
	enum { W = 400, H = 240, BAR = 60 };
	static uint8_t raw[H * (W + 1)];
	uint8_t hdr[13];
	double top = 0;
	uLongf zlen = compressBound(sizeof(raw));
	uint8_t *z = malloc(zlen);
	FILE *f;

	if (z == NULL)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		top = c[i].score > top ? c[i].score : top;
	memset(raw, 0xff, sizeof(raw));
	for (int y = 0; y < H; y++)
		raw[y * (W + 1)] = 0;	/* filter: none */
	for (int i = 0; i < n; i++) {
		int h = top > 0 ? (int)(c[i].score / top * (H - 20)) : 0;
		int x0 = 40 + i * (BAR + 40);

		for (int y = H - 10 - h; y < H - 10; y++)
			for (int x = x0; x < x0 + BAR && x < W; x++)
				raw[y * (W + 1) + 1 + x] = i == best ? 0x20 :
							    0x90;
	}
	for (int x = 20; x < W - 20; x++)
		raw[(H - 10) * (W + 1) + 1 + x] = 0;	/* the axis */
	if (compress2(z, &zlen, raw, sizeof(raw), 9) != Z_OK) {
		free(z);
		return -EIO;
	}
	f = fopen(path, "wb");
	if (f == NULL) {
		free(z);
		return -errno;
	}
	fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
	{
		static const struct { const char *type; } chunks[] = {
			{ "IHDR" }, { "IDAT" }, { "IEND" } };
		for (int k = 0; k < 3; k++) {
			const uint8_t *d = k == 0 ? hdr : k == 1 ? z : NULL;
			uint32_t len = k == 0 ? 13 : k == 1 ? (uint32_t)zlen : 0;
			uint8_t be[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
					  (uint8_t)(len >> 8), (uint8_t)len };
			uLong crc = crc32(0, (const Bytef *)chunks[k].type, 4);

			if (k == 0) {
				memset(hdr, 0, sizeof(hdr));
				hdr[2] = W >> 8; hdr[3] = W & 0xff;
				hdr[6] = H >> 8; hdr[7] = H & 0xff;
				hdr[8] = 8;	/* bit depth; colour type 0 */
			}
			fwrite(be, 1, 4, f);
			fwrite(chunks[k].type, 1, 4, f);
			if (len > 0) {
				fwrite(d, 1, len, f);
				crc = crc32(crc, d, len);
			}
			be[0] = (uint8_t)(crc >> 24); be[1] = (uint8_t)(crc >> 16);
			be[2] = (uint8_t)(crc >> 8); be[3] = (uint8_t)crc;
			fwrite(be, 1, 4, f);
		}
	}
	free(z);
	return fclose(f) == 0 ? 0 : -errno;
}

/* Run cmd for the candidate; the last number it prints is its score. */
static int
bench(const char *tmpl, struct cand *m)
{
	char lc[4096], cmd[8192], line[1024], cpu[16];
	size_t off = 0;
	FILE *p;

	lcores_of(m, lc, sizeof(lc));
	snprintf(cpu, sizeof(cpu), "%d", m->main_cpu);
	for (const char *s = tmpl; *s && off < sizeof(cmd) - 1; ) {
		const char *rep = strncmp(s, "{lcores}", 8) == 0 ? lc :
				  strncmp(s, "{cp_cpu}", 8) == 0 ? cpu : NULL;

		if (rep != NULL) {
			off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, "%s",
						rep);
			s += 8;
		} else {
			cmd[off++] = *s++;
		}
	}
	cmd[off < sizeof(cmd) ? off : sizeof(cmd) - 1] = '\0';
	p = popen(cmd, "r");
	if (p == NULL)
		return -errno;
	while (fgets(line, sizeof(line), p) != NULL)
		for (char *q = line; *q; q++)
			if ((*q >= '0' && *q <= '9') &&
			    (q == line || q[-1] == ' ' || q[-1] == ':' ||
			     q[-1] == '=' || q[-1] == '\t')) {
				m->score = strtod(q, &q);
				m->scored = true;
				q--;
			}
	return pclose(p) == 0 && m->scored ? 0 : -EIO;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "topology", required_argument, NULL, 't' },
		{ "synthetic", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "port-node", required_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'w' },
		{ "irq-file", required_argument, NULL, 'i' },
		{ "bench", required_argument, NULL, 'b' },
		{ "chart", required_argument, NULL, 'c' },
		{ "export", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *xml = NULL, *synth = NULL, *irq_file = NULL, *cmd = NULL,
		   *chart = NULL, *export = NULL, *ports[16];
	static struct cand maps[MAX_MAPS];
	int n_ports = 0, node = -1, max = 0, n_maps, best = 0, c;
	bool json = false;
	hwloc_topology_t t;
	char lc[4096];

	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 't': xml = optarg; break;
		case 's': synth = optarg; break;
		case 'p':
			if (n_ports < 16)
				ports[n_ports++] = optarg;
			break;
		case 'n': node = atoi(optarg); break;
		case 'w': max = atoi(optarg); break;
		case 'i': irq_file = optarg; break;
		case 'b': cmd = optarg; break;
		case 'c': chart = optarg; break;
		case 'e': export = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "try 'tutti-tune --help'\n");
			return 2;
		}
	}
	if (max < 0 || (xml && synth)) {
		fprintf(stderr, "tutti-tune: --workers must be >= 0; one of "
			"--topology and --synthetic\n");
		return 2;
	}
	if (load_topology(&t, xml, synth) < 0) {
		fprintf(stderr, "tutti-tune: cannot load the topology %s\n",
			xml ? xml : synth ? synth : "of this machine");
		return 1;
	}
	if (export != NULL &&
	    hwloc_topology_export_xml(t, export, 0) < 0) {
		fprintf(stderr, "tutti-tune: cannot write %s\n", export);
		return 1;
	}
	read_cores(t);
	if (n_cores == 0) {
		fprintf(stderr, "tutti-tune: no cores in the topology\n");
		return 1;
	}
	read_irqs(irq_file ? irq_file : (xml || synth) ? "/nonexistent" :
		  "/proc/interrupts");
	for (int i = 0; i < n_ports; i++) {
		int pn = port_node(t, ports[i]);

		if (pn < 0) {
			fprintf(stderr, "tutti-tune: no PCI device %s in the "
				"topology\n", ports[i]);
			return 1;
		}
		node = node < 0 ? pn : node;
	}
	if (node < 0)
		node = cores[0].node >= 0 ? cores[0].node : 0;
	propose(&maps[0], "near the ports", node, max, false, false);
	propose(&maps[1], "near, then other nodes", node, max ? max :
		n_cores, true, false);
	propose(&maps[2], "spread over nodes", -1, max ? max :
		maps[0].n_workers, true, true);
	n_maps = cmd ? MAX_MAPS : 1;
	if (maps[0].n_workers == 0) {
		fprintf(stderr, "tutti-tune: no core left for a worker\n");
		return 1;
	}
	for (int i = 0; cmd && i < n_maps; i++) {
		fprintf(stderr, "tutti-tune: benchmarking map %d (%s)...\n", i,
			maps[i].name);
		if (bench(cmd, &maps[i]) < 0)
			fprintf(stderr, "tutti-tune: map %d: the benchmark "
				"failed or printed no number\n", i);
		if (maps[i].scored && maps[i].score > maps[best].score)
			best = i;
	}
	if (chart && cmd && write_chart(chart, maps, n_maps, best) < 0) {
		fprintf(stderr, "tutti-tune: cannot write %s\n", chart);
		return 1;
	}
	if (json) {
		printf("{\"cores\":%d,\"ports_node\":%d,\"best\":%d,\"maps\":[",
		       n_cores, node, best);
		for (int i = 0; i < n_maps; i++) {
			lcores_of(&maps[i], lc, sizeof(lc));
			printf("%s{\"name\":\"%s\",\"lcores\":\"%s\",\"cp_cpu\":%d,"
			       "\"workers\":[", i ? "," : "", maps[i].name, lc,
			       maps[i].main_cpu);
			for (int w = 0; w < maps[i].n_workers; w++)
				printf("%s%d", w ? "," : "", maps[i].workers[w]);
			printf("],\"cross_node\":%s", maps[i].cross_node ?
			       "true" : "false");
			if (maps[i].scored)
				printf(",\"score\":%g", maps[i].score);
			printf("}");
		}
		printf("]}\n");
	} else {
		const struct cand *m = &maps[best];

		printf("%-10s %5s %5s %5s  %s\n", "ROLE", "CPU", "CORE", "NODE",
		       "NOTE");
		for (int i = 0; i < n_cores; i++)
			for (int k = 0; k < cores[i].n_pus; k++) {
				int cpu = cores[i].pus[k];
				const char *role = "idle", *note = "";

				if (cpu == m->main_cpu)
					role = "main+cp";
				for (int w = 0; w < m->n_workers; w++)
					if (m->workers[w] == cpu)
						role = "worker";
				if (strcmp(role, "idle") == 0 && k > 0)
					note = "SMT sibling";
				if (cores[i].index == 0 && n_cores > 2 &&
				    strcmp(role, "idle") == 0)
					note = "kept for the system";
				if (cores[i].irq_heavy)
					note = "many interrupts";
				printf("%-10s %5d %5d %5d  %s\n", role, cpu,
				       cores[i].index, cores[i].node, note);
			}
		lcores_of(m, lc, sizeof(lc));
		printf("\nmap: %s%s\n  tutti-dp --lcores %s ... -- ...\n"
		       "  taskset -c %d tutti-cp ...\n", m->name, m->cross_node ?
		       " (some workers on another node than the ports)" : "",
		       lc, m->main_cpu);
		for (int i = 0; cmd && i < n_maps; i++)
			printf("  %-26s score %g%s\n", maps[i].name,
			       maps[i].score, i == best ? "  <- best" : "");
	}
	hwloc_topology_destroy(t);
	return 0;
}
