package safemap_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeQuickStart runs the README's quick start and compares what it
// prints with the output the README shows.
func TestReadmeQuickStart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "## Quick start")
	require.True(t, ok, "README has no Quick start section")
	code := between(t, section, "```go\n", "```")
	want := between(t, section, "prints\n\n```\n", "```")

	// A directory whose name starts with _ is inside the module, so the
	// import resolves, but outside ./... patterns.
	dir, err := os.MkdirTemp(".", "_quickstart")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(code), 0o644))
	out, err := exec.Command(goTool, "run", "./"+dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Equal(t, want, string(out))
}

func between(t *testing.T, s, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, start)
	require.True(t, ok, "no %q", start)
	body, _, ok := strings.Cut(rest, end)
	require.True(t, ok, "no %q after %q", end, start)
	return body
}
