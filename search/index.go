// Package search is the hub's full-text search: a Bleve index derived from PostgreSQL, kept in step with
// it through the search_change outbox, and always rebuildable from it.
//
// On disk, $HUB_DATA_DIR/index holds one directory per built index and a file, current, naming the one in
// use. A rebuild writes a new directory and then replaces current, so the old index keeps serving until
// the new one is complete, and a crash during a rebuild leaves the old one in place.
package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/util"
	bbolt "go.etcd.io/bbolt"

	"github.com/smartcommunities/hub/db"
)

// Internal keys, stored in the index in the same batch as the documents they describe.
var (
	keyMapping  = []byte("hub_mapping_version")
	keyPosition = []byte("hub_position")
	keyOrigin   = []byte("hub_database")
)

const (
	currentFile = "current"
	pollEvery   = 2 * time.Second // the fallback when a notification is missed
	pruneEvery  = time.Hour
	keepChanges = 7 * 24 * time.Hour
	applyBatch  = 1000
)

// Index is the search index of one hub process.
type Index struct {
	dir       string
	db        *db.DB
	countries []string
	log       *slog.Logger

	mu      sync.RWMutex // guards current; searches hold it for reading, a swap for writing
	current *handle

	// A rebuild's progress, for /readyz.
	building       atomic.Bool
	built, toBuild atomic.Int64
	lastErr        atomic.Value // string
	needsRebuild   bool

	// damaged is the open index a search or the indexer found damaged, until Run has moved it aside.
	damaged atomic.Pointer[handle]
	damage  atomic.Value // string: what was found
	wake    chan struct{}

	// generation advances whenever what searches see changes: a batch of changes applied, another index
	// swapped in. The search cache holds its entries for one generation.
	generation atomic.Uint64
	searches   *searchCache // nil: none
}

// handle is one open index directory.
type handle struct {
	name string
	idx  bleve.Index
	lock *os.File

	posMu sync.Mutex
	pos   db.SearchPosition // the last change applied
}

func (h *handle) position() db.SearchPosition {
	h.posMu.Lock()
	defer h.posMu.Unlock()
	return h.pos
}

// Open opens the index under dataDir/index. An index that is missing, unreadable, built with another
// mapping version or from another database, or behind changes that were pruned is rebuilt by Run, in the
// background. Until then only the last kind keeps serving (without following changes); the others are
// not searched at all.
func Open(ctx context.Context, dataDir string, d *db.DB, log *slog.Logger) (*Index, error) {
	dir, err := filepath.Abs(filepath.Join(dataDir, "index"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	x := &Index{dir: dir, db: d, log: log, countries: countryCodes(d), wake: make(chan struct{}, 1),
		searches: newSearchCache(searchCacheSize)}
	x.lastErr.Store("")
	name, _ := x.currentName()
	removeStale(dir, name, log) // what a crashed or replaced build left behind
	if name == "" {
		x.needsRebuild = true
		log.Info("search: no index yet; building it in the background", "dir", dir)
		return x, nil
	}
	h, err := x.openHandle(name)
	switch {
	case errors.Is(err, errInUse):
		return nil, err
	case errors.Is(err, errDamaged):
		x.moveAside(name, err)
		x.needsRebuild = true
		return x, nil
	case err != nil:
		log.Warn("search: the index cannot be used; rebuilding it in the background", "dir", filepath.Join(dir, name), "err", err)
		x.needsRebuild = true
		return x, nil
	}
	origin, next, err := d.SearchOrigin(ctx)
	if err != nil {
		h.close()
		return nil, err
	}
	if built, _ := h.idx.GetInternal(keyOrigin); string(built) != origin || h.pos.Xid > next {
		// Not this database's index: serving it would show another database's data.
		log.Warn("search: the index was built from another database; rebuilding it in the background")
		h.close()
		x.needsRebuild = true
		return x, nil
	}
	x.current = h
	pruned, err := d.SearchPrunedThrough(ctx)
	if err != nil {
		h.close()
		return nil, err
	}
	if pruned > 0 && h.pos.Xid <= pruned {
		log.Warn("search: the index is older than the changes kept in the database; rebuilding it in the background")
		x.needsRebuild = true
	}
	return x, nil
}

var errInUse = errors.New("the search index is in use by another hub process; give each hub its own HUB_DATA_DIR")

var errOldMapping = errors.New("built with another mapping version")

func (x *Index) currentName() (string, error) {
	b, err := os.ReadFile(filepath.Join(x.dir, currentFile))
	return strings.TrimSpace(string(b)), err
}

// openHandle opens an index directory, holding a lock on it while it is open.
func (x *Index) openHandle(name string) (*handle, error) {
	lock, err := lockDir(filepath.Join(x.dir, name+".lock"))
	if err != nil {
		return nil, err
	}
	h, err := openIndex(filepath.Join(x.dir, name))
	if err != nil {
		lock.Close()
		return nil, err
	}
	h.name, h.lock = name, lock
	return h, nil
}

// errDamaged is an index whose files are not what Bleve wrote: flipped, truncated or zeroed bytes.
var errDamaged = errors.New("the index is damaged")

// openIndex opens the index at path and reads its mapping version and position. Bleve trusts its files:
// a damaged one makes it panic or answer wrongly, so the files are checked first, and a panic that
// gets past the check is a damaged index too, not a dead hub.
func openIndex(path string) (h *handle, err error) {
	// A segment cut short under its mapping faults rather than panics; this makes it a panic.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var idx bleve.Index
	defer func() {
		if r := recover(); r != nil {
			if idx != nil {
				closeQuietly(idx)
			}
			h, err = nil, fmt.Errorf("%w: opening it panicked: %v", errDamaged, r)
		}
	}()
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	if err := checkFiles(path); err != nil {
		return nil, fmt.Errorf("%w: %v", errDamaged, err)
	}
	// Batches need not wait for the disk: each carries its position, and what a crash loses was never
	// acknowledged to anyone but the indexer, which replays it from the older position it reopens at.
	idx, err = bleve.OpenUsing(path, map[string]any{"unsafe_batch": true})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errDamaged, err)
	}
	h = &handle{idx: idx}
	if v, err := idx.GetInternal(keyMapping); err != nil || string(v) != MappingVersion {
		closeQuietly(idx)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errDamaged, err)
		}
		return nil, fmt.Errorf("%w (%q, this hub uses %q)", errOldMapping, v, MappingVersion)
	}
	p, err := idx.GetInternal(keyPosition)
	if err == nil {
		h.pos, err = db.ParseSearchPosition(string(p))
	}
	if err != nil {
		closeQuietly(idx)
		return nil, fmt.Errorf("%w: %v", errDamaged, err)
	}
	return h, nil
}

// checkFiles reads what Bleve would trust blindly: the root file's pages and, of
// each segment it names, the CRC-32 the segment's last four bytes hold of all the bytes before them.
// Segments it does not name are left alone: they are what a crash cut short, and Bleve removes them.
func checkFiles(path string) (err error) {
	store := filepath.Join(path, "store")
	root, err := bbolt.Open(filepath.Join(store, "root.bolt"), 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("root.bolt: %w", err)
	}
	defer root.Close()
	var segments []string
	err = root.View(func(tx *bbolt.Tx) error {
		// Every page is read once: bbolt panics on a damaged one, here rather than in Bleve's goroutines.
		// (bbolt's own Tx.Check would panic in a goroutine of its own, where nothing can recover.)
		var walk func(b *bbolt.Bucket) error
		walk = func(b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if v == nil && b.Bucket(k) != nil {
					return walk(b.Bucket(k))
				}
				return nil
			})
		}
		if err := tx.ForEach(func(_ []byte, b *bbolt.Bucket) error { return walk(b) }); err != nil {
			return err
		}
		snapshots := tx.Bucket(util.BoltSnapshotsBucket)
		if snapshots == nil {
			return errors.New("root.bolt holds no snapshot")
		}
		return snapshots.ForEachBucket(func(k []byte) error {
			return snapshots.Bucket(k).ForEachBucket(func(seg []byte) error {
				if p := snapshots.Bucket(k).Bucket(seg).Get(util.BoltPathKey); p != nil {
					segments = append(segments, string(p))
				}
				return nil
			})
		})
	})
	if err != nil {
		return err
	}
	for _, name := range segments {
		if err := checkSegment(filepath.Join(store, filepath.Base(name))); err != nil {
			return fmt.Errorf("segment %s: %w", name, err)
		}
	}
	return nil
}

func checkSegment(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	n := fi.Size() - 4
	if n < 0 {
		return errors.New("shorter than its checksum")
	}
	// Streamed: a segment of a large index is hundreds of megabytes.
	sum := crc32.NewIEEE()
	if _, err := io.CopyN(sum, f, n); err != nil {
		return err
	}
	var stored [4]byte
	if _, err := io.ReadFull(f, stored[:]); err != nil {
		return err
	}
	if sum.Sum32() != binary.BigEndian.Uint32(stored[:]) {
		return errors.New("its checksum does not match its bytes")
	}
	return nil
}

func closeQuietly(idx bleve.Index) {
	defer func() { recover() }()
	idx.Close()
}

// moveAside renames a damaged index directory so that nothing opens or removes it (it is kept for
// inspection) and Run builds a new one.
func (x *Index) moveAside(name string, cause error) {
	from := filepath.Join(x.dir, name)
	to := filepath.Join(x.dir, "damaged-"+name)
	if err := os.Rename(from, to); err != nil {
		x.log.Error("search: the index is damaged and cannot be moved aside; rebuilding it in the background", "dir", from, "err", err, "damage", cause.Error())
		return
	}
	os.Remove(from + ".lock")
	indexDamaged.Inc()
	x.log.Error("search: the index is damaged; moved aside for inspection and rebuilding it in the background", "dir", to, "damage", cause.Error())
}

func (h *handle) close() {
	h.idx.Close()
	h.lock.Close() // releases the lock
}

// lockDir takes an exclusive lock that says an index directory is open, or being built, by this process.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, errInUse
	}
	return f, nil
}

// reading runs fn on the current index, which a swap will not close meanwhile. A panic inside Bleve
// means the index is damaged: the search answers as if there were no index, and Run moves it aside and
// rebuilds it.
func (x *Index) reading(fn func(bleve.Index) error) (err error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	h := x.current
	if h == nil || x.damaged.Load() == h {
		return &ErrUnavailable{Progress: x.progress()}
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			x.markDamaged(h, fmt.Errorf("a search panicked: %v", r))
			err = &ErrUnavailable{}
		}
	}()
	return fn(h.idx)
}

// markDamaged tells Run that the open index h is damaged.
func (x *Index) markDamaged(h *handle, cause error) {
	if x.damaged.CompareAndSwap(nil, h) {
		x.damage.Store(cause.Error())
		x.log.Error("search: the index is damaged; searches answer SEARCH_UNAVAILABLE until it is rebuilt", "index", h.name, "damage", cause.Error())
		select {
		case x.wake <- struct{}{}:
		default:
		}
	}
}

// dropDamaged closes the index markDamaged reported, moves it aside and has Run rebuild it.
func (x *Index) dropDamaged() {
	h := x.damaged.Load()
	if h == nil {
		return
	}
	x.mu.Lock()
	if x.current == h {
		x.current = nil
	}
	x.mu.Unlock()
	x.generation.Add(1)
	closeQuietly(h.idx)
	h.lock.Close()
	x.moveAside(h.name, errors.New(x.damage.Load().(string)))
	x.damaged.Store(nil)
	x.needsRebuild = true
}

func (x *Index) progress() float64 {
	if n := x.toBuild.Load(); n > 0 {
		return float64(x.built.Load()) / float64(n)
	}
	return 0
}

// Close closes the index. Call it after Run has returned.
func (x *Index) Close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.current != nil {
		x.current.close()
		x.current = nil
	}
}

// Run keeps the index in step with PostgreSQL until ctx ends: it rebuilds the index when needed, then
// applies the changes of each committed transaction, woken by LISTEN/NOTIFY or, failing that, by a poll.
func (x *Index) Run(ctx context.Context) {
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		x.db.ListenSearchChanges(ctx, x.wake)
	}()
	defer func() { <-listening }() // its connection is closed before the caller closes the pool
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	lastPrune := time.Time{}
	for ctx.Err() == nil {
		x.dropDamaged()
		if x.needsRebuild {
			if err := x.rebuild(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				x.lastErr.Store(err.Error())
				x.log.Error("search: rebuilding the index failed; retrying in 10 s", "err", err)
				sleep(ctx, 10*time.Second)
				continue
			}
		}
		x.adoptNewer()
		if err := x.catchUp(ctx); err != nil && ctx.Err() == nil {
			x.lastErr.Store(err.Error())
			x.log.Error("search: applying changes failed; retrying", "err", err)
		}
		if time.Since(lastPrune) > pruneEvery {
			lastPrune = time.Now()
			if n, err := x.db.PruneSearchChanges(ctx, keepChanges); err != nil && ctx.Err() == nil {
				x.log.Warn("search: pruning old changes failed", "err", err)
			} else if n > 0 {
				x.log.Info("search: pruned old changes", "changes", n)
			}
		}
		select {
		case <-ctx.Done():
		case <-x.wake:
		case <-poll.C:
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// catchUp applies every change of a finished transaction that the index has not applied yet.
func (x *Index) catchUp(ctx context.Context) error {
	x.mu.RLock()
	h := x.current
	x.mu.RUnlock()
	if h == nil || x.damaged.Load() == h {
		return nil
	}
	for {
		changes, err := x.db.SearchChanges(ctx, h.position(), applyBatch)
		if err != nil || len(changes) == 0 {
			return err
		}
		if err := x.apply(ctx, h, changes); err != nil {
			return err
		}
		x.lastErr.Store("")
		if len(changes) < applyBatch {
			return nil
		}
	}
}

// apply re-reads the changed entities and writes them, or deletes those that are gone, together with the
// new position, in one batch: after a crash the index reopens with documents and position that agree,
// and replays what followed.
func (x *Index) apply(ctx context.Context, h *handle, changes []db.SearchChange) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			x.markDamaged(h, fmt.Errorf("applying changes panicked: %v", r))
			err = errDamaged
		}
	}()
	byEntity := map[string][]int64{}
	seen := map[string]bool{}
	for _, c := range changes {
		id := docID(c.Entity, c.EntityID)
		if !seen[id] {
			seen[id] = true
			byEntity[c.Entity] = append(byEntity[c.Entity], c.EntityID)
		}
	}
	batch := h.idx.NewBatch()
	for entity, ids := range byEntity {
		sources, err := x.db.SearchSources(ctx, entity, ids)
		if err != nil {
			return err
		}
		found := map[int64]bool{}
		for i := range sources {
			s := &sources[i]
			found[s.ID] = true
			if err := batch.Index(docID(s.Entity, s.ID), document(s, x.countries)); err != nil {
				return err
			}
		}
		for _, id := range ids {
			if !found[id] {
				batch.Delete(docID(entity, id))
			}
		}
	}
	pos := changes[len(changes)-1].SearchPosition
	batch.SetInternal(keyPosition, []byte(pos.String()))
	if err := h.idx.Batch(batch); err != nil {
		return err
	}
	x.generation.Add(1)
	h.posMu.Lock()
	h.pos = pos
	h.posMu.Unlock()
	changesApplied.Add(float64(len(changes)))
	// Searches answered before these changes were applied are out of date, even though the data
	// changed earlier.
	x.db.Version().Advance()
	return nil
}

// rebuild builds a new index from PostgreSQL and swaps it in.
func (x *Index) rebuild(ctx context.Context) error {
	start := time.Now()
	x.building.Store(true)
	defer x.building.Store(false)
	name, err := Build(ctx, x.dir, x.db, func(done, total int) {
		x.built.Store(int64(done))
		x.toBuild.Store(int64(total))
	})
	if err != nil {
		return err
	}
	if err := x.swap(name); err != nil {
		return err
	}
	x.needsRebuild = false
	rebuildDuration.Observe(time.Since(start).Seconds())
	x.log.Info("search: index rebuilt", "documents", x.built.Load(), "seconds", time.Since(start).Seconds())
	return nil
}

// adoptNewer swaps in an index that `hub reindex` built while this process was serving.
func (x *Index) adoptNewer() {
	name, err := x.currentName()
	x.mu.RLock()
	same := x.current != nil && x.current.name == name
	x.mu.RUnlock()
	if err != nil || name == "" || same {
		return
	}
	if err := x.swap(name); err != nil {
		x.log.Warn("search: cannot open the index named in "+currentFile, "name", name, "err", err)
		if errors.Is(err, errDamaged) {
			x.moveAside(name, err)
			x.needsRebuild = true
		}
		return
	}
	x.log.Info("search: switched to an index built by hub reindex", "index", name)
}

// swap makes the named index current and removes the one it replaces.
func (x *Index) swap(name string) error {
	h, err := x.openHandle(name)
	if err != nil {
		return err
	}
	x.mu.Lock()
	old := x.current
	x.current = h
	x.mu.Unlock()
	x.generation.Add(1)
	x.db.Version().Advance()
	if old != nil {
		old.close()
	}
	removeStale(x.dir, name, x.log)
	return nil
}

// removeStale deletes index directories other than keep that no process holds open.
func removeStale(dir, keep string, log *slog.Logger) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() || e.Name() == keep || !strings.HasPrefix(e.Name(), "idx-") {
			continue
		}
		lockPath := filepath.Join(dir, e.Name()+".lock")
		lock, err := lockDir(lockPath)
		if err != nil {
			continue // open in another process
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			log.Warn("search: cannot remove an old index", "dir", e.Name(), "err", err)
		}
		os.Remove(lockPath)
		lock.Close()
	}
}

func countryCodes(d *db.DB) []string {
	var out []string
	for _, c := range d.Reference().Countries {
		out = append(out, c.Code)
	}
	return out
}

// lessGC collects garbage half as often until the returned function is called, by the last of the
// builds that run at once. A build allocates a great deal that lives briefly (tokens, postings, segments
// being merged): that saves a fifth of its CPU, for a peak about half again as high. An operator's GOGC
// wins.
func lessGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	gcMu.Lock()
	defer gcMu.Unlock()
	if gcBuilds == 0 {
		// Never more often than serving does (see servingGC in server.go).
		if gcBefore = debug.SetGCPercent(200); gcBefore > 200 {
			debug.SetGCPercent(gcBefore)
		}
	}
	gcBuilds++
	return func() {
		gcMu.Lock()
		defer gcMu.Unlock()
		if gcBuilds--; gcBuilds == 0 {
			debug.SetGCPercent(gcBefore)
		}
	}
}

var (
	gcMu     sync.Mutex
	gcBuilds int
	gcBefore int
)

// Build builds a complete index from PostgreSQL into a new directory under dir (HUB_DATA_DIR/index), and
// names it in dir's current file. It is what a rebuild and `hub reindex` run; a hub serving from dir
// picks the new index up within seconds.
func Build(ctx context.Context, dir string, d *db.DB, progress func(done, total int)) (string, error) {
	countries := countryCodes(d)
	origin, _, err := d.SearchOrigin(ctx)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := "idx-" + time.Now().UTC().Format("20060102T150405.000000000")
	lock, err := lockDir(filepath.Join(dir, name+".lock"))
	if err != nil {
		return "", err
	}
	defer lock.Close()
	m, err := newMapping()
	if err != nil {
		return "", err
	}
	defer lessGC()()
	path := filepath.Join(dir, name)
	// Batches wait for the disk: with unsafe batches, Close was seen to drop what the persister had not
	// yet written, which left a complete-looking index with documents missing.
	idx, err := bleve.NewUsing(path, m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return "", err
	}
	fail := func(err error) (string, error) {
		idx.Close()
		os.RemoveAll(path)
		return "", err
	}
	// Reading from PostgreSQL and indexing overlap: the reader runs ahead by a few batches.
	const indexers = 2
	batches := make(chan []db.SearchSource, 2)
	indexed := make(chan error, indexers)
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	// Two indexers: Bleve analyses a batch on every core but builds its segment on one, so while one
	// batch becomes a segment the next is analysed.
	total := 0
	var done atomic.Int64
	for range indexers {
		go func() {
			for sources := range batches {
				b := idx.NewBatch()
				var err error
				for i := range sources {
					s := &sources[i]
					if err = b.Index(docID(s.Entity, s.ID), document(s, countries)); err != nil {
						break
					}
				}
				if err == nil {
					err = idx.Batch(b)
				}
				if err != nil {
					stopReading()
					for range batches {
					}
					indexed <- err
					return
				}
				n := int(done.Add(int64(len(sources))))
				progress(n, max(total, n))
			}
			indexed <- nil
		}()
	}
	pos, err := d.EachSearchSource(readCtx, func(n int) { total = n; progress(0, n) }, func(sources []db.SearchSource) error {
		select {
		case batches <- sources:
			return nil
		case <-readCtx.Done():
			return readCtx.Err()
		}
	})
	close(batches)
	for range indexers {
		if ierr := <-indexed; ierr != nil && err == nil {
			err = ierr
		}
	}
	if err != nil {
		return fail(err)
	}
	// One segment searches fastest: merge now rather than leave it to the background merger.
	if adv, err := idx.Advanced(); err == nil {
		if s, ok := adv.(*scorch.Scorch); ok {
			if err := s.ForceMerge(ctx, nil); err != nil {
				return fail(err)
			}
		}
	}
	b := idx.NewBatch()
	b.SetInternal(keyMapping, []byte(MappingVersion))
	b.SetInternal(keyPosition, []byte(pos.String()))
	b.SetInternal(keyOrigin, []byte(origin))
	if err := idx.Batch(b); err != nil {
		return fail(err)
	}
	if err := idx.Close(); err != nil {
		return fail(err)
	}
	// Write then rename: current always names a complete index.
	tmp := filepath.Join(dir, currentFile+".tmp")
	if err := os.WriteFile(tmp, []byte(name+"\n"), 0o644); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, currentFile)); err != nil {
		return fail(err)
	}
	// The index this one replaces goes now, unless a hub still serves from it: that hub removes it
	// when it switches.
	removeStale(dir, name, slog.Default())
	return name, nil
}

// Status is the index's state, for /readyz.
type Status struct {
	State      string  `json:"state"` // building, ready or behind
	Serving    bool    `json:"serving"`
	Progress   float64 `json:"progress,omitempty"` // of a rebuild, 0 to 1
	Documents  uint64  `json:"documents"`
	Pending    int     `json:"pendingChanges"`
	LagSeconds float64 `json:"lagSeconds"`
	Error      string  `json:"error,omitempty"`
}

// Status reports whether the index serves, how far a rebuild has come, and how far behind PostgreSQL the
// index is: the changes not yet applied and the age of the oldest.
func (x *Index) Status(ctx context.Context) (Status, error) {
	s := Status{State: "ready", Error: x.lastErr.Load().(string)}
	x.mu.RLock()
	h := x.current
	if h != nil {
		s.Serving = true
		s.Documents, _ = h.idx.DocCount()
	}
	x.mu.RUnlock()
	if x.building.Load() || h == nil {
		s.State = "building"
		s.Progress = x.progress()
		return s, nil
	}
	pending, oldest, err := x.db.SearchLag(ctx, h.position())
	if err != nil {
		return s, err
	}
	s.Pending = pending
	if oldest != nil {
		s.LagSeconds = time.Since(*oldest).Seconds()
		s.State = "behind"
	}
	return s, nil
}
