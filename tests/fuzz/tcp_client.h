/*
 * The loopback client of the HTTP fuzz targets (fuzz_http, fuzz_serve):
 * each input is sent as raw bytes over a real connection to a server the
 * target started, because only libmicrohttpd can make the connection its
 * handlers take.
 */
#ifndef CONVTRACK_TCP_CLIENT_H
#define CONVTRACK_TCP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/* Prints what failed (errno) and aborts: a harness failure, not a finding. */
void fuzz_tcp_fail(const char *what) __attribute__((noreturn));

/* A port that nothing listens on now (the kernel's pick for port 0). */
uint16_t fuzz_tcp_free_port(void);

/*
 * One connection to 127.0.0.1:port: sends req, closes the sending side and
 * reads the answer until the server closes.
 */
void fuzz_tcp_exchange(uint16_t port, const uint8_t *req, size_t len);

#endif
