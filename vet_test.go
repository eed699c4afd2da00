package safemap_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoCopy proves the noCopy guard: go vet must report the copy of each
// type that testdata/copylock makes.
func TestNoCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goTool, "vet", "./testdata/copylock").CombinedOutput()
	require.Error(t, err, "go vet must fail on copies:\n%s", out)
	for _, typ := range []string{"MutexMap", "RWMap", "SyncMap", "ShardedMap", "BucketMap"} {
		assert.Contains(t, string(out), "safemap."+typ+"[int, int] contains github.com/gosafemap/safemap.noCopy")
	}
}
