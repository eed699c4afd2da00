package safemap

// An Option configures a map created by one of the New functions.
type Option func(*options)

type options struct {
	capacity int
	shards   int
	noShrink bool
}

// maxCapacity bounds WithCapacity: presizing is a hint, and a mistaken huge
// hint should cost megabytes in proportion to the entry size, not an
// out-of-memory crash.
const maxCapacity = 1 << 20

// maxShards bounds WithShards. Beyond it Range, Len and Clear pay for empty
// shards while contention no longer falls.
const maxShards = 1 << 16

// WithCapacity presizes the map for about n entries, so that filling it to
// n does not grow it. It allocates at once what n entries need of the map's
// own structure: for int keys and values, about 36 bytes per entry in
// [MutexMap], [RWMap] and [ShardedMap] (a built-in map's slots) and 16 in
// [BucketMap] (its buckets; each entry is allocated when stored), plus, in
// BucketMap, a lock per bucket up to 1,024 (64 KiB), and in ShardedMap, every
// shard at once, a few kilobytes even for a small n. A value of n at or
// below zero means no presizing; a value above 1,048,576 is treated as that
// number, so that a mistaken hint costs tens of megabytes for small keys
// and values, and in proportion to their size for larger ones. [SyncMap]
// cannot be presized and ignores it. Clear releases the memory of the other
// maps, presizing included, except BucketMap's, which returns to the size
// asked for: each of its Clears allocates that table again.
func WithCapacity(n int) Option {
	return func(o *options) { o.capacity = min(max(n, 0), maxCapacity) }
}

// WithShards sets the number of shards of a [ShardedMap], rounded up to a
// power of two. A value at or below zero selects the default; a value above
// 65,536 is treated as that number. Other maps ignore it.
func WithShards(n int) Option {
	return func(o *options) { o.shards = min(max(n, 0), maxShards) }
}

// WithoutShrinking keeps a [BucketMap]'s table at its largest size after
// entries are deleted, trading memory for never paying to shrink and grow
// again. Other maps ignore it: their storage follows Go's built-in maps,
// which do not shrink either.
func WithoutShrinking() Option {
	return func(o *options) { o.noShrink = true }
}

func buildOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}
