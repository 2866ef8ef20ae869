package collect

import "testing"

// Rows hands the rows back in order, in a slice of exactly their number.
func TestRowsKeepOrderAndSize(t *testing.T) {
	var r Rows[int]
	if r.Slice() != nil {
		t.Fatal("no rows should give nil")
	}
	for _, n := range []int{1, rowsChunk - 1, rowsChunk, rowsChunk + 1, 3*rowsChunk + 7} {
		for i := range n {
			r.Add(i)
		}
		if r.Len() != n {
			t.Fatalf("Len %d, want %d", r.Len(), n)
		}
		out := r.Slice()
		if len(out) != n || cap(out) != n {
			t.Fatalf("%d rows: len %d cap %d", n, len(out), cap(out))
		}
		for i, v := range out {
			if v != i {
				t.Fatalf("%d rows: row %d is %d", n, i, v)
			}
		}
		if r.Len() != 0 {
			t.Fatal("Slice should forget the rows")
		}
	}
}
