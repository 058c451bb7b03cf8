package search

import (
	"container/list"
	"encoding/json"
	"slices"
	"sync"
	"time"
)

// A search's pages share its total and facets, and the query it settled on (widened by concepts or
// not, matching all of its words or most): the first page finds them, and the next ones, asked for
// within seconds, take them from searchCache instead of counting every match into the facets again and
// running the queries a first page tried before settling. An entry holds for one generation of the index
// (Index.generation, advanced by every applied batch of changes and every swap), so a write between two
// pages is seen in the second one's total and facets. The caller's access is part of the key: a
// search that finds one caller's drafts does not lend its counts to another.

// searchKey is what a search's total and facets depend on, besides the index: everything but the page.
// The page size is in it because the choice of MatchMost depends on it.
type searchKey string

func (r *Request) key(size int) searchKey {
	types := slices.Clone(r.Types)
	slices.Sort(types)
	b, _ := json.Marshal([]any{r.Query, types, r.Filter, r.Language, r.Matching, r.Access,
		r.Today.Format(time.DateOnly), size})
	return searchKey(b)
}

// settled is what the pages of one search share.
type settled struct {
	generation uint64
	matching   Matching
	widen      bool
	total      int
	counts     map[string]int // of the facet field's terms; never changed once stored
}

// searchCache holds the searches answered last, at most max of them: the least recently used goes.
type searchCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *cacheEntry, the most recently used first
	byKey map[searchKey]*list.Element
}

type cacheEntry struct {
	key searchKey
	s   *settled
}

const searchCacheSize = 512

func newSearchCache(max int) *searchCache {
	return &searchCache{max: max, order: list.New(), byKey: map[searchKey]*list.Element{}}
}

// get is the search of key at generation, or nil. A nil cache holds nothing.
func (c *searchCache) get(key searchKey, generation uint64) *settled {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return nil
	}
	s := e.Value.(*cacheEntry).s
	if s.generation != generation {
		c.order.Remove(e)
		delete(c.byKey, key)
		return nil
	}
	c.order.MoveToFront(e)
	return s
}

func (c *searchCache) put(key searchKey, s *settled) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		if e.Value.(*cacheEntry).s.generation <= s.generation { // not a slow search's older answer
			e.Value.(*cacheEntry).s = s
		}
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key, s})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cacheEntry).key)
	}
}

func (c *searchCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
