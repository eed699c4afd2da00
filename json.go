package safemap

import (
	"encoding/json"
	"iter"
	"maps"
)

// marshalJSON encodes a map's entries as encoding/json encodes a built-in
// map. It works on a copy, so no lock is held while values' MarshalJSON
// methods run.
func marshalJSON[K comparable, V any](all iter.Seq2[K, V]) ([]byte, error) {
	return json.Marshal(maps.Collect(all))
}

// decodeJSON decodes data as encoding/json decodes into a new built-in map.
// A nil map with a nil error means the document was null.
func decodeJSON[K comparable, V any](data []byte) (map[K]V, error) {
	var decoded map[K]V
	if err := json.Unmarshal(data, &decoded); err != nil {
		return nil, err
	}
	return decoded, nil
}
