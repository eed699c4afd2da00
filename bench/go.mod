module github.com/gosafemap/safemap/bench

go 1.24

require (
	github.com/alphadose/haxmap v1.4.0
	github.com/gosafemap/safemap v0.0.0
	github.com/orcaman/concurrent-map/v2 v2.0.1
	github.com/puzpuzpuz/xsync/v4 v4.5.0
)

require golang.org/x/exp v0.0.0-20250620022241-b7579e27df2b // indirect

replace github.com/gosafemap/safemap => ../
