// Package spool is the agent's durable on-disk queue. Every batch is
// committed to a bbolt file (fsync on commit) before it is sent, read back
// oldest first, and deleted only after the collector acknowledged it. The
// queue is bounded by total size and by age; what it drops is counted so
// that the next report can tell.
//
// An acknowledged batch is deleted in the spool's next commit (normally the
// next Append) rather than in a commit of its own, which halves the fsyncs
// of a steady-state cycle. A crash in between sends that one batch again;
// the collector writes the same points with the same timestamps, so InfluxDB
// keeps them once. At most one acknowledged batch waits like this.
package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the bbolt file inside the spool folder.
const FileName = "spool.db"

var (
	bucketItems = []byte("items")
	bucketMeta  = []byte("meta")

	keyBytes        = []byte("bytes")
	keyDropped      = []byte("dropped")
	keyDroppedTotal = []byte("dropped_total")
	keyLastSuccess  = []byte("last_success")
	keyLastError    = []byte("last_error")
	keyLastErrorAt  = []byte("last_error_at")
)

// itemOverhead is added to each payload's size when bounding the spool, for
// the key, the timestamp and bbolt's per-element header.
const itemOverhead = 32

// storedSize is what a stored value (8-byte timestamp, then the payload)
// counts against the spool's bound.
func storedSize(v []byte) int64 { return int64(len(v)-8) + itemOverhead }

// ErrLocked means another process (the running service) holds the spool.
var ErrLocked = errors.New("spool is in use by another process")

// Options configure a Spool.
type Options struct {
	Dir      string
	MaxBytes int64
	MaxAge   time.Duration
	// ReadOnly opens without writing (for `kretslopp-agent spool`).
	ReadOnly bool
	// LockTimeout bounds the wait for the file lock.
	LockTimeout time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Spool is the durable queue. Safe for concurrent use.
type Spool struct {
	db   *bolt.DB
	opts Options

	// mu guards the acknowledged batch whose delete waits for the next
	// commit; acked 0 means none (sequences start at 1).
	mu      sync.Mutex
	acked   uint64
	ackedAt time.Time
}

// Item is one queued batch.
type Item struct {
	Seq     uint64
	Created time.Time
	Payload []byte
}

// Stats describe the queue for IT support.
type Stats struct {
	Depth        int       `json:"depth"`
	Bytes        int64     `json:"bytes"`
	FileBytes    int64     `json:"file_bytes"`
	Oldest       time.Time `json:"oldest,omitzero"`
	Newest       time.Time `json:"newest,omitzero"`
	Dropped      uint64    `json:"dropped_unreported"`
	DroppedTotal uint64    `json:"dropped_total"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
}

// Open opens or creates the spool in opts.Dir.
func Open(opts Options) (*Spool, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 5 * time.Second
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("spool dir: %w", err)
		}
	}
	path := filepath.Join(opts.Dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: opts.ReadOnly})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open spool %s: %w", path, err)
	}
	if !opts.ReadOnly {
		err = db.Update(func(tx *bolt.Tx) error {
			if _, err := tx.CreateBucketIfNotExists(bucketItems); err != nil {
				return err
			}
			_, err := tx.CreateBucketIfNotExists(bucketMeta)
			return err
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("init spool: %w", err)
		}
	}
	return &Spool{db: db, opts: opts}, nil
}

// Close commits a waiting delete and closes the file.
func (s *Spool) Close() error {
	s.mu.Lock()
	flushErr := s.flushAckedLocked()
	s.mu.Unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close spool: %w", err)
	}
	if flushErr != nil {
		return fmt.Errorf("close spool: %w", flushErr)
	}
	return nil
}

func seqKey(seq uint64) []byte {
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], seq)
	return key[:]
}

// update runs fn in a write transaction that first deletes the waiting
// acknowledged batch, so that its delete costs no commit of its own.
func (s *Spool) update(fn func(tx *bolt.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateLocked(fn)
}

// updateLocked is update with s.mu held.
func (s *Spool) updateLocked(fn func(tx *bolt.Tx) error) error {
	if s.acked == 0 {
		return s.db.Update(fn)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := deleteItem(tx, s.acked, false); err != nil {
			return err
		}
		if err := putU64(tx.Bucket(bucketMeta), keyLastSuccess, uint64(s.ackedAt.UnixNano())); err != nil {
			return err
		}
		return fn(tx)
	})
	if err == nil {
		s.acked = 0
	}
	return err
}

// flushAckedLocked commits the waiting delete now, if there is one; s.mu
// is held.
func (s *Spool) flushAckedLocked() error {
	if s.acked == 0 {
		return nil
	}
	return s.updateLocked(func(*bolt.Tx) error { return nil })
}

// firstWaiting positions c on the oldest batch that is not acknowledged
// and returns it (nil k when there is none), and the value of the
// acknowledged batch it stepped over, if any; s.mu is held.
func (s *Spool) firstWaiting(c *bolt.Cursor) (k, v, acked []byte) {
	k, v = c.First()
	if k != nil && u64(k) == s.acked {
		acked = v
		k, v = c.Next()
	}
	return k, v, acked
}

// deleteItem removes one batch and its bytes from the total; rejected
// batches count as dropped. A batch that is gone already is no error.
func deleteItem(tx *bolt.Tx, seq uint64, rejected bool) error {
	items, meta := tx.Bucket(bucketItems), tx.Bucket(bucketMeta)
	key := seqKey(seq)
	v := items.Get(key)
	if v == nil {
		return nil
	}
	total := max(int64(u64(meta.Get(keyBytes)))-storedSize(v), 0)
	if err := items.Delete(key); err != nil {
		return err
	}
	if err := putU64(meta, keyBytes, uint64(total)); err != nil {
		return err
	}
	if !rejected {
		return nil
	}
	if err := putU64(meta, keyDropped, u64(meta.Get(keyDropped))+1); err != nil {
		return err
	}
	return putU64(meta, keyDroppedTotal, u64(meta.Get(keyDroppedTotal))+1)
}

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func putU64(b *bolt.Bucket, k []byte, v uint64) error {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	return b.Put(k, buf[:])
}

func decodeItem(k, v []byte) (Item, error) {
	if len(k) != 8 || len(v) < 8 {
		return Item{}, fmt.Errorf("spool: corrupt item %x", k)
	}
	return Item{
		Seq:     binary.BigEndian.Uint64(k),
		Created: time.Unix(0, int64(binary.BigEndian.Uint64(v[:8]))),
		Payload: append([]byte(nil), v[8:]...),
	}, nil
}

// Append commits payload (created at created) to disk. reported is the
// dropped count the payload itself carries: it is subtracted from the
// unreported drops in the same transaction. Old or excess batches are
// dropped first to keep the bounds.
func (s *Spool) Append(payload []byte, created time.Time, reported uint64) (uint64, error) {
	size := int64(len(payload)) + itemOverhead
	if s.opts.MaxBytes > 0 && size > s.opts.MaxBytes {
		return 0, fmt.Errorf("spool: batch of %d bytes exceeds the spool size %d", size, s.opts.MaxBytes)
	}
	var seq uint64
	err := s.update(func(tx *bolt.Tx) error {
		items, meta := tx.Bucket(bucketItems), tx.Bucket(bucketMeta)
		dropped := u64(meta.Get(keyDropped))
		if reported >= dropped {
			dropped = 0
		} else {
			dropped -= reported
		}
		total := int64(u64(meta.Get(keyBytes)))
		var n uint64
		cutoff := s.opts.Now().Add(-s.opts.MaxAge)
		c := items.Cursor()
		for k, v := c.First(); k != nil; k, v = c.First() {
			tooOld := s.opts.MaxAge > 0 && len(v) >= 8 && time.Unix(0, int64(binary.BigEndian.Uint64(v[:8]))).Before(cutoff)
			tooBig := s.opts.MaxBytes > 0 && total+size > s.opts.MaxBytes
			if !tooOld && !tooBig {
				break
			}
			total -= storedSize(v)
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		if total < 0 {
			total = 0
		}
		var err error
		seq, err = items.NextSequence()
		if err != nil {
			return err
		}
		val := make([]byte, 8+len(payload))
		binary.BigEndian.PutUint64(val[:8], uint64(created.UnixNano()))
		copy(val[8:], payload)
		if err := items.Put(seqKey(seq), val); err != nil {
			return err
		}
		if err := putU64(meta, keyBytes, uint64(total+size)); err != nil {
			return err
		}
		if err := putU64(meta, keyDropped, dropped+n); err != nil {
			return err
		}
		return putU64(meta, keyDroppedTotal, u64(meta.Get(keyDroppedTotal))+n)
	})
	if err != nil {
		return 0, fmt.Errorf("spool append: %w", err)
	}
	return seq, nil
}

// Dropped is the number of batches dropped and not yet reported.
func (s *Spool) Dropped() (uint64, error) {
	var n uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			n = u64(meta.Get(keyDropped))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("spool dropped: %w", err)
	}
	return n, nil
}

// Oldest returns the oldest batch not yet acknowledged; ok=false when the
// queue is empty.
func (s *Spool) Oldest() (it Item, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		if b == nil {
			return nil
		}
		k, v, _ := s.firstWaiting(b.Cursor())
		if k == nil {
			return nil
		}
		it, err = decodeItem(k, v)
		ok = err == nil
		return err
	})
	if err != nil {
		return Item{}, false, fmt.Errorf("spool oldest: %w", err)
	}
	return it, ok, nil
}

// Ack marks a batch acknowledged: it is no longer offered by Oldest or
// counted by Stats, and its delete is committed with the spool's next
// commit (Append, Reject, RecordError, Close, or the next Ack's).
func (s *Spool) Ack(seq uint64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.acked != seq {
		// Only one acknowledged batch waits: commit the earlier one now.
		if err := s.flushAckedLocked(); err != nil {
			return fmt.Errorf("spool ack: %w", err)
		}
	}
	s.acked, s.ackedAt = seq, at
	return nil
}

// Reject deletes a batch the receiver refused for good (400, 413) and
// counts it as dropped.
func (s *Spool) Reject(seq uint64, at time.Time) error {
	if err := s.update(func(tx *bolt.Tx) error { return deleteItem(tx, seq, true) }); err != nil {
		return fmt.Errorf("spool reject: %w", err)
	}
	return nil
}

// RecordError stores the last delivery error (shown by `spool`).
func (s *Spool) RecordError(at time.Time, msg string) error {
	err := s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keyLastError, []byte(msg)); err != nil {
			return err
		}
		return putU64(meta, keyLastErrorAt, uint64(at.UnixNano()))
	})
	if err != nil {
		return fmt.Errorf("spool record error: %w", err)
	}
	return nil
}

// Stats reads the queue's figures; an acknowledged batch whose delete waits
// for the next commit no longer counts.
func (s *Spool) Stats() (Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st Stats
	err := s.db.View(func(tx *bolt.Tx) error {
		st.FileBytes = tx.Size()
		items, meta := tx.Bucket(bucketItems), tx.Bucket(bucketMeta)
		if items == nil || meta == nil {
			return nil
		}
		st.Depth = items.Stats().KeyN
		st.Bytes = int64(u64(meta.Get(keyBytes)))
		c := items.Cursor()
		k, v, acked := s.firstWaiting(c)
		if acked != nil {
			st.Depth--
			st.Bytes = max(st.Bytes-storedSize(acked), 0)
		}
		if k != nil {
			it, err := decodeItem(k, v)
			if err != nil {
				return err
			}
			st.Oldest = it.Created
			if k, v := c.Last(); k != nil && len(v) >= 8 {
				st.Newest = time.Unix(0, int64(binary.BigEndian.Uint64(v[:8])))
			}
		}
		st.Dropped = u64(meta.Get(keyDropped))
		st.DroppedTotal = u64(meta.Get(keyDroppedTotal))
		if t := u64(meta.Get(keyLastSuccess)); t != 0 {
			st.LastSuccess = time.Unix(0, int64(t))
		}
		if s.acked != 0 && s.ackedAt.After(st.LastSuccess) {
			st.LastSuccess = s.ackedAt
		}
		st.LastError = string(meta.Get(keyLastError))
		if t := u64(meta.Get(keyLastErrorAt)); t != 0 {
			st.LastErrorAt = time.Unix(0, int64(t))
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("spool stats: %w", err)
	}
	return st, nil
}
