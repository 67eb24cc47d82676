// httphello: the Go side of perf/compare's http_hello rows, as minimal as
// examples/http_hello.cpp: a raw net.Listener (not net/http), a goroutine
// per connection, keep-alive, no parsing beyond finding the end of each
// request ("\r\n\r\n"), and the same response bytes. Pipelined requests are
// answered with one write.
//
//	go run ./cmd/httphello 127.0.0.1:0    serve until killed; prints the address
package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
)

const response = "HTTP/1.1 200 OK\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Length: 13\r\n" +
	"\r\n" +
	"Hello, World!"

var end = []byte("\r\n\r\n")

func handle(c net.Conn) {
	defer c.Close()
	var in []byte
	buf := make([]byte, 8192)
	var out []byte
	for {
		n, err := c.Read(buf)
		if n == 0 || err != nil {
			return
		}
		in = append(in, buf[:n]...)
		out = out[:0]
		for {
			i := bytes.Index(in, end)
			if i < 0 {
				break
			}
			in = in[i+len(end):]
			out = append(out, response...)
		}
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	}
}

func main() {
	addr := "127.0.0.1:8080"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("httphello on http://%s/\n", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go handle(c)
	}
}
