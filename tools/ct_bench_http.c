/*
 * ct-bench-http: an HTTP/1.1 load generator for the caller API benchmark
 * (bench/serve.sh).  Keep-alive connections, one thread each, on
 * 127.0.0.1:PORT.
 *
 *   ct-bench-http --port P --paths FILE [--rate R] [--seconds S]
 *                 [--conns C] [--key K] [--body-file F] [--warmup S]
 *
 * Each request is a GET of the next line of FILE (a path with its query),
 * taken round-robin from a random start per connection, or with
 * --body-file a POST of that path with F's content as a JSON body.
 *
 * With --rate R > 0 the load is open: connection i sends its k-th request
 * at t0 + (k * C + i) / R, and a request's latency runs from that planned
 * instant, not from when a late connection got round to sending it, so a
 * server that falls behind shows its queueing in the percentiles
 * (no coordinated omission).  With --rate 0 each connection sends its next
 * request as soon as it has the answer (the maximum rate the server
 * sustains with C requests in flight).  The first --warmup seconds
 * (default 1) are sent but not counted.  A connection that is still
 * behind its plan one second after the last planned instant stops; what
 * it had not sent is counted as "unsent" (a server that cannot keep up
 * shows it there and in "achieved").
 *
 * Prints one JSON line: offered and achieved requests/s, counts by status
 * class, and latency percentiles in milliseconds.  A refused or broken
 * connection is an error; the connection is reopened.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct bh_opts {
	int port, conns;
	double rate, seconds, warmup;
	const char *key;
	char *body;
	size_t body_len;
	char **paths;
	size_t npaths;
};

struct bh_conn {
	const struct bh_opts *o;
	int index;
	double t0;
	double *lat; /* ms, counted requests */
	size_t nlat, cap;
	long ok2, ok3, e4, e5, errors, unsent;
	pthread_t thread;
};

static double bh_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bh_sleep_until(double t)
{
	double d = t - bh_now();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int bh_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int bh_send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Reads one response (headers, then Content-Length bytes of body) into
 * buf; returns its status, or -1 when the connection broke.
 */
static int bh_read_response(int fd, char *buf, size_t cap)
{
	size_t len = 0, need = 0;
	char *end = NULL;
	int status = -1;

	for (;;) {
		ssize_t r;

		if (end && len >= need)
			return status;
		if (len == cap)
			return -1;
		r = recv(fd, buf + len, cap - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		len += (size_t)r;
		if (!end) {
			char *cl;

			buf[len < cap ? len : cap - 1] = '\0';
			end = strstr(buf, "\r\n\r\n");
			if (!end)
				continue;
			if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
				return -1;
			for (cl = buf; cl < end; cl++)
				if (strncasecmp(cl, "\r\nContent-Length:", 17) == 0)
					break;
			need = (size_t)(end + 4 - buf) +
			       (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
			if (need > cap)
				return -1;
		}
	}
}

static void bh_count(struct bh_conn *c, int status, double ms, bool counted)
{
	if (!counted)
		return;
	if (status < 0) {
		c->errors++;
		return;
	}
	if (status < 300)
		c->ok2++;
	else if (status < 400)
		c->ok3++;
	else if (status < 500)
		c->e4++;
	else
		c->e5++;
	if (c->nlat == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 4096;
		double *n = realloc(c->lat, ncap * sizeof(*n));

		if (!n)
			return;
		c->lat = n;
		c->cap = ncap;
	}
	c->lat[c->nlat++] = ms;
}

static void *bh_run(void *arg)
{
	struct bh_conn *c = arg;
	const struct bh_opts *o = c->o;
	size_t next = (size_t)rand() % o->npaths, cap = 1 << 20;
	char *req = malloc(16384 + o->body_len), *buf = malloc(cap);
	double end = c->t0 + o->warmup + o->seconds, planned;
	long k;
	int fd = -1;

	if (!req || !buf)
		return NULL;
	for (k = 0;; k++) {
		int n, status;
		double sent, done;

		planned = o->rate > 0 ? c->t0 + ((double)k * o->conns + c->index) / o->rate
				      : bh_now();
		if (planned >= end)
			break;
		if (o->rate > 0 && bh_now() > end + 1.0) {
			c->unsent = (long)((end - c->t0) * o->rate / o->conns) - k;
			break;
		}
		if (o->rate > 0)
			bh_sleep_until(planned);
		n = snprintf(req, 16384,
			     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			     "Authorization: Bearer %s\r\n%s",
			     o->body ? "POST" : "GET", o->paths[next], o->key,
			     o->body ? "Content-Type: application/json\r\n" : "");
		if (o->body)
			n += snprintf(req + n, 16384 - (size_t)n,
				      "Content-Length: %zu\r\n\r\n", o->body_len);
		else
			n += snprintf(req + n, 16384 - (size_t)n, "\r\n");
		if (o->body) {
			memcpy(req + n, o->body, o->body_len);
			n += (int)o->body_len;
		}
		next = (next + 1) % o->npaths;
		if (fd < 0)
			fd = bh_connect(o->port);
		sent = o->rate > 0 ? planned : bh_now();
		status = fd < 0 || bh_send_all(fd, req, (size_t)n) < 0
				 ? -1 : bh_read_response(fd, buf, cap);
		done = bh_now();
		if (status < 0 && fd >= 0) {
			close(fd);
			fd = -1;
		}
		bh_count(c, status, (done - sent) * 1e3, sent >= c->t0 + o->warmup);
	}
	if (fd >= 0)
		close(fd);
	free(req);
	free(buf);
	return NULL;
}

static int bh_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double bh_pct(const double *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

/* Reads the lines of path into o->paths. */
static int bh_load_paths(struct bh_opts *o, const char *path)
{
	char line[8192];
	FILE *f = fopen(path, "r");
	size_t cap = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		if (o->npaths == cap) {
			char **n = realloc(o->paths, (cap = cap ? 2 * cap : 1024) *
							     sizeof(*n));
			if (!n)
				break;
			o->paths = n;
		}
		if (!(o->paths[o->npaths] = strdup(line)))
			break;
		o->npaths++;
	}
	fclose(f);
	return o->npaths ? 0 : -1;
}

static int bh_load_body(struct bh_opts *o, const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    n > 1 << 20 || fseek(f, 0, SEEK_SET) < 0 ||
	    !(o->body = malloc((size_t)n + 1)) ||
	    fread(o->body, 1, (size_t)n, f) != (size_t)n) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	o->body_len = (size_t)n;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "port", 1, 0, 'p' },	  { "paths", 1, 0, 'f' },
		{ "rate", 1, 0, 'r' },	  { "seconds", 1, 0, 's' },
		{ "conns", 1, 0, 'c' },	  { "key", 1, 0, 'k' },
		{ "body-file", 1, 0, 'b' }, { "warmup", 1, 0, 'w' },
		{ 0, 0, 0, 0 },
	};
	struct bh_opts o = { .conns = 8, .seconds = 10, .warmup = 1, .key = "" };
	struct bh_conn *c;
	const char *paths = NULL, *body = NULL;
	double *all, t0, took;
	long ok2 = 0, ok3 = 0, e4 = 0, e5 = 0, errors = 0, unsent = 0;
	size_t n = 0, i, j;
	int opt;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'p': o.port = atoi(optarg); break;
		case 'f': paths = optarg; break;
		case 'r': o.rate = atof(optarg); break;
		case 's': o.seconds = atof(optarg); break;
		case 'c': o.conns = atoi(optarg); break;
		case 'k': o.key = optarg; break;
		case 'b': body = optarg; break;
		case 'w': o.warmup = atof(optarg); break;
		default:
			fprintf(stderr, "usage: ct-bench-http --port P --paths FILE "
				"[--rate R] [--seconds S] [--conns C] [--key K] "
				"[--body-file F] [--warmup S]\n");
			return 2;
		}
	}
	if (!o.port || !paths || o.conns < 1 || o.seconds <= 0 ||
	    bh_load_paths(&o, paths) < 0 || (body && bh_load_body(&o, body) < 0)) {
		fprintf(stderr, "ct-bench-http: bad options or unreadable files\n");
		return 2;
	}
	srand((unsigned)time(NULL));
	c = calloc((size_t)o.conns, sizeof(*c));
	if (!c)
		return 1;
	t0 = bh_now() + 0.05;
	for (i = 0; i < (size_t)o.conns; i++) {
		c[i].o = &o;
		c[i].index = (int)i;
		c[i].t0 = t0;
		pthread_create(&c[i].thread, NULL, bh_run, &c[i]);
	}
	for (i = 0; i < (size_t)o.conns; i++) {
		pthread_join(c[i].thread, NULL);
		n += c[i].nlat;
	}
	took = bh_now() - t0 - o.warmup;
	all = malloc((n + 1) * sizeof(*all));
	if (!all)
		return 1;
	for (i = 0, n = 0; i < (size_t)o.conns; i++) {
		for (j = 0; j < c[i].nlat; j++)
			all[n++] = c[i].lat[j];
		ok2 += c[i].ok2;
		ok3 += c[i].ok3;
		e4 += c[i].e4;
		e5 += c[i].e5;
		errors += c[i].errors;
		unsent += c[i].unsent;
		free(c[i].lat);
	}
	qsort(all, n, sizeof(*all), bh_cmp);
	printf("{\"offered\": %.1f, \"achieved\": %.1f, \"requests\": %zu, "
	       "\"2xx\": %ld, \"3xx\": %ld, \"4xx\": %ld, \"5xx\": %ld, "
	       "\"errors\": %ld, \"unsent\": %ld, \"conns\": %d, \"p50_ms\": %.3f, "
	       "\"p90_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, "
	       "\"max_ms\": %.3f}\n",
	       o.rate, (double)n / took, n, ok2, ok3, e4, e5, errors, unsent,
	       o.conns,
	       bh_pct(all, n, 50), bh_pct(all, n, 90), bh_pct(all, n, 99),
	       bh_pct(all, n, 99.9), n ? all[n - 1] : 0.0);
	free(all);
	free(c);
	return 0;
}
