// Command registry shows a media server's stream registry behind an HTTP
// API. Concurrent requests register, look up and remove streams; a name can
// be claimed only once because LoadOrStore checks and stores in one step,
// where "if not found, then store" would let two requests both succeed.
//
// Run it with: go run ./examples/registry
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gosafemap/safemap"
)

type stream struct {
	Name    string `json:"name"`
	Source  string `json:"source"`
	Started int64  `json:"started"`
}

type registry struct {
	streams safemap.ShardedMap[string, stream]
}

func (reg *registry) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /streams/{name}", reg.create)
	mux.HandleFunc("GET /streams/{name}", reg.get)
	mux.HandleFunc("DELETE /streams/{name}", reg.remove)
	mux.HandleFunc("GET /streams", reg.list)
	return mux
}

func (reg *registry) create(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s := stream{Name: name, Source: r.URL.Query().Get("source"), Started: time.Now().Unix()}
	if existing, loaded := reg.streams.LoadOrStore(name, s); loaded {
		http.Error(w, "stream "+name+" already published from "+existing.Source, http.StatusConflict)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func (reg *registry) get(w http.ResponseWriter, r *http.Request) {
	s, ok := reg.streams.Load(r.PathValue("name"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, s)
}

func (reg *registry) remove(w http.ResponseWriter, r *http.Request) {
	if _, ok := reg.streams.LoadAndDelete(r.PathValue("name")); !ok {
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (reg *registry) list(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, &reg.streams) // the map encodes as a JSON object
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func do(method, url string) (int, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func run(w io.Writer) error {
	reg := new(registry)
	srv := httptest.NewServer(reg.handler())
	defer srv.Close()

	// Two encoders race to publish each of five streams.
	names := []string{"news", "sport", "music", "films", "kids"}
	var mu sync.Mutex
	codes := make(map[int]int)
	var wg sync.WaitGroup
	var firstErr error
	for _, name := range names {
		for _, source := range []string{"encoder-a", "encoder-b"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, err := do("POST", srv.URL+"/streams/"+name+"?source="+source)
				mu.Lock()
				defer mu.Unlock()
				codes[code]++
				if err != nil && firstErr == nil {
					firstErr = err
				}
			}()
		}
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Fprintf(w, "publish requests: %d created, %d conflicts\n", codes[http.StatusCreated], codes[http.StatusConflict])

	if code, err := do("DELETE", srv.URL+"/streams/kids"); err != nil || code != http.StatusNoContent {
		return fmt.Errorf("delete: status %d, error %v", code, err)
	}
	code, err := do("GET", srv.URL+"/streams/kids")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "after delete, GET /streams/kids: %d\n", code)

	resp, err := http.Get(srv.URL + "/streams")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var all map[string]stream
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		return err
	}
	live := make([]string, 0, len(all))
	for name := range all {
		live = append(live, name)
	}
	sort.Strings(live)
	fmt.Fprintf(w, "live streams: %s\n", strings.Join(live, ", "))
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "registry:", err)
		os.Exit(1)
	}
}
