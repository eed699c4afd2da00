// Command jsonrpc shows a JSON-RPC client that matches replies to waiting
// callers by request id. Callers register a channel under a fresh id, a
// reader goroutine delivers each reply to the channel it finds, and a reply
// that arrives after its caller gave up finds nothing: LoadAndDelete makes
// "find and remove" one step, so a reply is delivered at most once.
//
// Run it with: go run ./examples/jsonrpc
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosafemap/safemap"
)

type request struct {
	ID     uint64 `json:"id"`
	Method string `json:"method"`
	Params []int  `json:"params"`
}

type response struct {
	ID     uint64 `json:"id"`
	Result int    `json:"result"`
	Error  string `json:"error,omitempty"`
}

var errClosed = errors.New("connection closed")

// client sends requests on one connection and routes replies to callers.
type client struct {
	conn    net.Conn
	writeMu sync.Mutex // one encoder, many callers
	enc     *json.Encoder
	nextID  atomic.Uint64
	pending safemap.ShardedMap[uint64, chan response]
	done    chan struct{}
}

func newClient(conn net.Conn) *client {
	c := &client{conn: conn, enc: json.NewEncoder(conn), done: make(chan struct{})}
	go c.readReplies()
	return c
}

// Call sends one request and waits for its reply or for ctx to end.
func (c *client) Call(ctx context.Context, method string, params ...int) (int, error) {
	id := c.nextID.Add(1)
	reply := make(chan response, 1) // the reader never blocks on a slow caller
	c.pending.Store(id, reply)

	c.writeMu.Lock()
	err := c.enc.Encode(request{ID: id, Method: method, Params: params})
	c.writeMu.Unlock()
	if err != nil {
		c.pending.Delete(id)
		return 0, err
	}

	select {
	case r, ok := <-reply:
		if !ok {
			return 0, errClosed
		}
		if r.Error != "" {
			return 0, errors.New(r.Error)
		}
		return r.Result, nil
	case <-ctx.Done():
		c.pending.Delete(id) // a late reply will find no caller
		return 0, ctx.Err()
	}
}

func (c *client) readReplies() {
	defer close(c.done)
	dec := json.NewDecoder(bufio.NewReader(c.conn))
	for {
		var r response
		if err := dec.Decode(&r); err != nil {
			break
		}
		if reply, ok := c.pending.LoadAndDelete(r.ID); ok {
			reply <- r
		}
	}
	// The connection is gone: wake every caller still waiting.
	for id, reply := range c.pending.All() {
		if _, ok := c.pending.LoadAndDelete(id); ok {
			close(reply)
		}
	}
}

// Close closes the connection and waits for the reader to finish.
func (c *client) Close() error {
	err := c.conn.Close()
	<-c.done
	return err
}

// serve answers requests on conn, each after a delay, so replies come back
// out of order.
func serve(conn net.Conn) {
	defer conn.Close()
	dec := json.NewDecoder(conn)
	var writeMu sync.Mutex
	enc := json.NewEncoder(conn)
	var wg sync.WaitGroup
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := response{ID: req.ID}
			switch req.Method {
			case "sum":
				for _, p := range req.Params {
					r.Result += p
				}
				time.Sleep(time.Duration(20-req.ID%20) * time.Millisecond)
			case "slow":
				time.Sleep(200 * time.Millisecond)
			default:
				r.Error = "unknown method " + req.Method
			}
			writeMu.Lock()
			defer writeMu.Unlock()
			_ = enc.Encode(r) // fails only once the client has gone
		}()
	}
	wg.Wait()
}

func run(w io.Writer) error {
	clientConn, serverConn := net.Pipe()
	served := make(chan struct{})
	go func() {
		defer close(served)
		serve(serverConn)
	}()
	c := newClient(clientConn)

	const calls = 20
	results := make([]int, calls)
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.Call(context.Background(), "sum", i, i*i)
		}()
	}
	wg.Wait()
	for i := range calls {
		if errs[i] != nil {
			return fmt.Errorf("call %d: %w", i, errs[i])
		}
		if want := i + i*i; results[i] != want {
			return fmt.Errorf("call %d: got %d, want %d", i, results[i], want)
		}
	}
	fmt.Fprintf(w, "%d concurrent calls answered out of order, each by its own reply\n", calls)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	_, err := c.Call(ctx, "slow")
	cancel()
	fmt.Fprintf(w, "slow call: %v\n", err)

	_, err = c.Call(context.Background(), "nope")
	fmt.Fprintf(w, "unknown method: %v\n", err)

	time.Sleep(250 * time.Millisecond) // let the slow reply arrive and be dropped
	fmt.Fprintf(w, "callers still waiting: %d\n", c.pending.Len())
	err = c.Close()
	<-served
	return err
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "jsonrpc:", err)
		os.Exit(1)
	}
}
