// Package spool is the agent's durable on-disk queue. Every batch is
// committed to a bbolt file (fsync on commit) before it is sent, read back
// oldest first, and deleted only after the collector acknowledged it. The
// queue is bounded by total size and by age; what it drops is counted so
// that the next report can tell.
package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// Close closes the file.
func (s *Spool) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close spool: %w", err)
	}
	return nil
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
	err := s.db.Update(func(tx *bolt.Tx) error {
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
			total -= int64(len(v)-8) + itemOverhead
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
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], seq)
		val := make([]byte, 8+len(payload))
		binary.BigEndian.PutUint64(val[:8], uint64(created.UnixNano()))
		copy(val[8:], payload)
		if err := items.Put(key[:], val); err != nil {
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

// Oldest returns the oldest batch; ok=false when the queue is empty.
func (s *Spool) Oldest() (it Item, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		if b == nil {
			return nil
		}
		k, v := b.Cursor().First()
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

// Ack deletes an acknowledged batch and records the success time.
func (s *Spool) Ack(seq uint64, at time.Time) error {
	return s.remove(seq, at, false)
}

// Reject deletes a batch the receiver refused for good (400, 413) and
// counts it as dropped.
func (s *Spool) Reject(seq uint64, at time.Time) error {
	return s.remove(seq, at, true)
}

func (s *Spool) remove(seq uint64, at time.Time, rejected bool) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		items, meta := tx.Bucket(bucketItems), tx.Bucket(bucketMeta)
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], seq)
		v := items.Get(key[:])
		if v == nil {
			return nil
		}
		total := int64(u64(meta.Get(keyBytes))) - int64(len(v)-8) - itemOverhead
		if total < 0 {
			total = 0
		}
		if err := items.Delete(key[:]); err != nil {
			return err
		}
		if err := putU64(meta, keyBytes, uint64(total)); err != nil {
			return err
		}
		if rejected {
			if err := putU64(meta, keyDropped, u64(meta.Get(keyDropped))+1); err != nil {
				return err
			}
			return putU64(meta, keyDroppedTotal, u64(meta.Get(keyDroppedTotal))+1)
		}
		return putU64(meta, keyLastSuccess, uint64(at.UnixNano()))
	})
	if err != nil {
		return fmt.Errorf("spool remove: %w", err)
	}
	return nil
}

// RecordError stores the last delivery error (shown by `spool`).
func (s *Spool) RecordError(at time.Time, msg string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
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

// Stats reads the queue's figures.
func (s *Spool) Stats() (Stats, error) {
	var st Stats
	err := s.db.View(func(tx *bolt.Tx) error {
		st.FileBytes = tx.Size()
		items, meta := tx.Bucket(bucketItems), tx.Bucket(bucketMeta)
		if items == nil || meta == nil {
			return nil
		}
		st.Depth = items.Stats().KeyN
		c := items.Cursor()
		if k, v := c.First(); k != nil {
			it, err := decodeItem(k, v)
			if err != nil {
				return err
			}
			st.Oldest = it.Created
		}
		if k, v := c.Last(); k != nil && len(v) >= 8 {
			st.Newest = time.Unix(0, int64(binary.BigEndian.Uint64(v[:8])))
		}
		st.Bytes = int64(u64(meta.Get(keyBytes)))
		st.Dropped = u64(meta.Get(keyDropped))
		st.DroppedTotal = u64(meta.Get(keyDroppedTotal))
		if t := u64(meta.Get(keyLastSuccess)); t != 0 {
			st.LastSuccess = time.Unix(0, int64(t))
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
