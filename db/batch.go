package db

// Nested fields are loaded per request by dataloaders, which gather the keys that arrive within a short
// wait into one statement. On a busy machine the resolvers of one list can arrive over a longer time
// than the wait, and the list's nested field would then cost several statements. So every entity read
// by one statement remembers the ids of all the rows that statement read (its batch): the first of
// them to load a nested field asks for the whole batch at once, and the rest find their data cached.
// A query's statement count then follows its depth, whatever the timing.

// Batch is the ids of the rows one statement read.
type Batch struct{ ids []int64 }

// InBatch is embedded in the entity types to link each row to its batch.
type InBatch struct{ batch *Batch }

// Batch is the batch this row was read in, or nil when it was read alone.
func (b *InBatch) Batch() *Batch { return b.batch }

// IDs are the ids of the batch's rows.
func (b *Batch) IDs() []int64 {
	if b == nil {
		return nil
	}
	return b.ids
}

func (b *InBatch) setBatch(x *Batch) { b.batch = x }

type batchable interface {
	key() int64
	setBatch(*Batch)
}

// linkBatch links the rows of one statement to their common batch; rows of reference types, which are
// not batchable, are left alone.
func linkBatch[T any](items []*T) {
	if len(items) < 2 {
		return
	}
	b := &Batch{}
	seen := map[int64]bool{}
	for _, it := range items {
		x, ok := any(it).(batchable)
		if !ok {
			return
		}
		if id := x.key(); !seen[id] {
			seen[id] = true
			b.ids = append(b.ids, id)
		}
		x.setBatch(b)
	}
}
