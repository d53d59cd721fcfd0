/*
 * The loopback client of the HTTP fuzz targets (tcp_client.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tcp_client.h"

void fuzz_tcp_fail(const char *what)
{
	perror(what);
	abort();
}

uint16_t fuzz_tcp_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0)
		fuzz_tcp_fail("fuzz: finding a free port");
	close(fd);
	return ntohs(a.sin_port);
}

/*
 * connect(), also when libFuzzer's timer signal (SIGALRM, for -timeout)
 * interrupts it: the connection then completes on its own.
 */
static int fuzz_connect(int fd, const struct sockaddr_in *a)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t elen = sizeof(int);
	int err = 0;

	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0)
		return 0;
	if (errno != EINTR)
		return -1;
	while (poll(&pfd, 1, 5000) < 0)
		if (errno != EINTR)
			return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err) {
		errno = err;
		return -1;
	}
	return 0;
}

void fuzz_tcp_exchange(uint16_t port, const uint8_t *req, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 5 };
	char buf[65536];
	size_t off = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		fuzz_tcp_fail("fuzz: socket");
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (fuzz_connect(fd, &a) < 0)
		fuzz_tcp_fail("fuzz: connect");
	while (off < len) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the daemon answered early and closed */
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0 ||
	       (n < 0 && errno == EINTR))
		;
	close(fd);
}

