package sharedmap_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/gosafemap/safemap/vet/sharedmap"
)

func Test(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), sharedmap.Analyzer, "sharedmap")
}
