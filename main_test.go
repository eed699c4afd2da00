package safemap_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any goroutine is still running once the tests
// are done: a goroutine stuck on a map's lock, or one a test forgot to stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
