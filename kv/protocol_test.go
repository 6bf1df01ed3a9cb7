package kv

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// protoSplitSeqs is String.split/1's whitespace, written out as a list to
// check spaceLen against: Unicode White_Space minus the no-break spaces.
var protoSplitSeqs = func() []string {
	var s []string
	for _, r := range []rune{
		'\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0x1680,
		0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
		0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x205F, 0x3000,
	} {
		s = append(s, string(r))
	}
	return s
}()

// protoFields is a slow, obviously correct String.split/1: replace every
// whitespace sequence by a space, then split on spaces. No sequence
// overlaps another (each starts with a byte that is never a continuation
// byte), so replacing them one kind at a time gives the same result as
// Elixir's leftmost matching.
func protoFields(line []byte) []string {
	s := string(line)
	for _, seq := range protoSplitSeqs {
		s = strings.ReplaceAll(s, seq, " ")
	}
	var out []string
	for _, w := range strings.Split(s, " ") {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// protoWords returns ParseCommand's tokenization of line.
func protoWords(line []byte) []string {
	var out []string
	for i := 0; ; {
		start, end := nextWord(line, i)
		if start == end {
			return out
		}
		out = append(out, string(line[start:end]))
		i = end
	}
}

func TestParseCommandGuideSession(t *testing.T) {
	t.Parallel()
	// The requests of the guide's "server interaction" test, as sent.
	tests := []struct {
		line string
		want Command // zero: UNKNOWN COMMAND
	}{
		{"UNKNOWN shopping\r\n", Command{}},
		{"GET shopping eggs\r\n", Command{Op: OpGet, Bucket: "shopping", Key: "eggs"}},
		{"CREATE shopping\r\n", Command{Op: OpCreate, Bucket: "shopping"}},
		{"PUT shopping eggs 3\r\n", Command{Op: OpPut, Bucket: "shopping", Key: "eggs", Value: "3"}},
		{"GET shopping eggs\r\n", Command{Op: OpGet, Bucket: "shopping", Key: "eggs"}},
		{"DELETE shopping eggs\r\n", Command{Op: OpDelete, Bucket: "shopping", Key: "eggs"}},
		{"CREATE  shopping\r\n", Command{Op: OpCreate, Bucket: "shopping"}},
		{"GET shopping\r\n", Command{}},
		{"WHATEVER\r\n", Command{}},
		{"SUBSCRIBE shopping\r\n", Command{Op: OpSubscribe, Bucket: "shopping"}},
	}
	for _, tt := range tests {
		got, err := ParseCommand([]byte(tt.line))
		if tt.want == (Command{}) {
			if !errors.Is(err, ErrUnknownCommand) {
				t.Errorf("ParseCommand(%q) = %+v, %v; want ErrUnknownCommand", tt.line, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseCommand(%q) = %+v, %v; want %+v", tt.line, got, err, tt.want)
		}
	}
}

func TestParseCommandBadInput(t *testing.T) {
	t.Parallel()
	bad := []string{
		"", "\r\n", "\n", "   \t \r\n", "\x00", // empty and blank lines
		"UNKNOWN shopping", "WHATEVER", "HELLO a b c", "GETS a b", "GE T a b", // unknown words
		"create shopping", "Create shopping", "put a b c", "get a b", "delete a b", "subscribe a", "cReAtE a", // lower case
		"CREATE", "CREATE a b", "PUT a b", "PUT a b c d", "PUT a", "GET a", "GET a b c", "DELETE a",
		"DELETE a b c", "SUBSCRIBE", "SUBSCRIBE a b", "PUT a b c d e f g h", // wrong arity
		"\x00\x01\x02\xff\xfe", "\xff\xffPUT a b c", "PUT\x00 a b c", "\xc2\x85", // binary junk
		"CREATE\xc2\xa0shopping", // a no-break space is not whitespace: one word
		"\xef\xbb\xbfCREATE a",   // a byte order mark is part of the word
	}
	for _, line := range bad {
		c, err := ParseCommand([]byte(line))
		if !errors.Is(err, ErrUnknownCommand) {
			t.Errorf("ParseCommand(%q) = %+v, %v; want ErrUnknownCommand", line, c, err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "kv: unknown command") {
			t.Errorf("ParseCommand(%q): error %q lacks the package prefix", line, err)
		}
	}
}

func TestParseCommandWhitespace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		want Command
	}{
		{"  PUT\tb\vk\fv \r\n", Command{Op: OpPut, Bucket: "b", Key: "k", Value: "v"}},
		{"PUT b k v\r", Command{Op: OpPut, Bucket: "b", Key: "k", Value: "v"}},
		{"PUT b\rk v", Command{Op: OpPut, Bucket: "b", Key: "k", Value: "v"}},
		{"PUT\u3000b\u2028k\u0085v\u1680", Command{Op: OpPut, Bucket: "b", Key: "k", Value: "v"}},
		{"GET b\u00a0c k", Command{Op: OpGet, Bucket: "b\u00a0c", Key: "k"}}, // no-break spaces stay in words
		{"GET b\u2007c k\u202fl", Command{Op: OpGet, Bucket: "b\u2007c", Key: "k\u202fl"}},
		{"PUT \xff\xfe \x00\x01 \xe2\xc2\x85", Command{Op: OpPut, Bucket: "\xff\xfe", Key: "\x00\x01", Value: "\xe2"}},
		{"PUT b k \x1c\x1d\x1e\x1f", Command{Op: OpPut, Bucket: "b", Key: "k", Value: "\x1c\x1d\x1e\x1f"}}, // not Elixir whitespace
		{"PUT b k \xe2\x80\x8b", Command{Op: OpPut, Bucket: "b", Key: "k", Value: "\u200b"}},               // zero-width space is not White_Space
		{"PUT b k 日本語", Command{Op: OpPut, Bucket: "b", Key: "k", Value: "日本語"}},
	}
	for _, tt := range tests {
		got, err := ParseCommand([]byte(tt.line))
		if err != nil || got != tt.want {
			t.Errorf("ParseCommand(%q) = %+q, %v; want %+q", tt.line, got, err, tt.want)
		}
	}
	// Every whitespace sequence separates words; with every other rune
	// (and every lone byte) the words stay joined.
	isSeq := map[string]bool{}
	for _, s := range protoSplitSeqs {
		isSeq[s] = true
	}
	buf := make([]byte, 0, 8)
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		buf = append(utf8.AppendRune(append(buf[:0], 'a'), r), 'b')
		_, end := nextWord(buf, 0)
		if split := end == 1; split != isSeq[string(r)] {
			t.Errorf("U+%04X: split=%v, want %v", r, split, !split)
		}
	}
	for b := 0x80; b <= 0xff; b++ {
		if got := protoWords([]byte{'a', byte(b), 'b'}); len(got) != 1 {
			t.Errorf("byte %#x splits: %q", b, got)
		}
	}
}

// TestParseCommandMatchesElixir runs Elixir's String.split/1 over tricky
// lines and compares its words with ParseCommand's. It needs elixir on
// PATH.
func TestParseCommandMatchesElixir(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("skipped in -short mode: starts elixir")
	}
	if _, err := exec.LookPath("elixir"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("elixir is not on PATH; CI installs it (.ci/run)")
		}
		t.Skip("skipped: elixir is not on PATH")
	}
	lines := []string{
		"", " ", "a", " a  b ", "\t\n\v\f\ra\x1cb", "\xe2\xc2\x85x", "\xc2\xc2\x85", "\xe2\x80\xe2\x80\x80b",
		"a\u00a0b\u2007c\u202fd\u200be\ufeff", "\xff\xfe\x00 \x00", "PUT b k v\r\n", "\xe3\x80\x80\xe3\x80",
		"\xe1\x9a\x80\xe1\x9a", "a\u2028b\u2029c\u205fd\u3000e\u0085f\u1680g",
	}
	for r := rune(0x80); r < 0x3100; r++ {
		lines = append(lines, "a"+string(r)+"b")
	}
	var in bytes.Buffer
	for _, l := range lines {
		in.WriteString(hex.EncodeToString([]byte(l)) + "\n")
	}
	const script = `
IO.stream(:stdio, :line)
|> Enum.each(fn l ->
  words = l |> String.trim_trailing("\n") |> Base.decode16!(case: :lower) |> String.split()
  IO.puts(Enum.map_join(words, " ", &Base.encode16(&1, case: :lower)))
end)`
	cmd := exec.Command("elixir", "-e", script)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("elixir: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for i, l := range lines {
		if !sc.Scan() {
			t.Fatalf("elixir printed %d lines, want %d", i, len(lines))
		}
		var want []string
		for _, h := range strings.Fields(sc.Text()) {
			w, err := hex.DecodeString(h)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, string(w))
		}
		if got := protoWords([]byte(l)); strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Errorf("words of %q: got %q, Elixir's String.split/1 gives %q", l, got, want)
		}
	}
}

func TestParseCommandLimit(t *testing.T) {
	t.Parallel()
	value := strings.Repeat("v", MaxLineLength-len("PUT b k "))
	line := "PUT b k " + value
	c, err := ParseCommand([]byte(line + "\r\n"))
	if err != nil || c.Value != value {
		t.Fatalf("line of exactly MaxLineLength: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	_, err = ParseCommand([]byte(line + "v\n"))
	if !errors.Is(err, ErrLineTooLong) {
		t.Errorf("line of MaxLineLength+1: err = %v, want ErrLineTooLong", err)
	}
	c.Value += "v"
	if err := c.Validate(); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("Validate of a command too long to send: %v", err)
	}
}

func TestParseCommandAllocs(t *testing.T) {
	line := []byte("PUT shopping eggs 3\r\n")
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseCommand(line) }); n > 1 {
		t.Errorf("ParseCommand: %v allocs, want at most 1", n)
	}
}

func TestCommandRoundTrip(t *testing.T) {
	t.Parallel()
	cmds := []Command{
		{Op: OpCreate, Bucket: "shopping"},
		{Op: OpPut, Bucket: "\xff", Key: "日本", Value: "\x00"},
		{Op: OpGet, Bucket: "b", Key: "k"},
		{Op: OpDelete, Bucket: "b", Key: "k"},
		{Op: OpSubscribe, Bucket: "b"},
	}
	for _, c := range cmds {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v", c, err)
		}
		line := AppendRequest(nil, c)
		got, err := ParseCommand(line)
		if err != nil || got != c {
			t.Errorf("ParseCommand(AppendRequest(%+v) = %q) = %+v, %v", c, line, got, err)
		}
	}
	invalid := []Command{
		{}, {Op: 9, Bucket: "b"}, {Op: OpCreate}, {Op: OpCreate, Bucket: "a b"},
		{Op: OpCreate, Bucket: "b", Key: "k"}, {Op: OpPut, Bucket: "b", Key: "k"},
		{Op: OpGet, Bucket: "b", Key: "k\u3000"}, {Op: OpDelete, Bucket: "b", Key: "k", Value: "v"},
	}
	for _, c := range invalid {
		if err := c.Validate(); !errors.Is(err, ErrUnknownCommand) {
			t.Errorf("%+v.Validate() = %v, want ErrUnknownCommand", c, err)
		}
	}
	if got := Op(9).String(); got != "Op(9)" {
		t.Errorf("Op(9).String() = %q", got)
	}
	if got := OpSubscribe.String(); got != "SUBSCRIBE" {
		t.Errorf("OpSubscribe.String() = %q", got)
	}
}

func TestAppendReplies(t *testing.T) {
	t.Parallel()
	tests := []struct{ got, want string }{
		{string(AppendOK(nil)), "OK\r\n"},
		{string(AppendValue(nil, "3")), "3\r\nOK\r\n"},
		{string(AppendValue(nil, "")), "\r\nOK\r\n"},
		{string(AppendNotFound(nil)), "NOT FOUND\r\n"},
		{string(AppendUnknownCommand(nil)), "UNKNOWN COMMAND\r\n"},
		{string(AppendError(nil)), "ERROR\r\n"},
		{string(AppendEvent(nil, "milk", "3", false)), "milk SET TO 3\r\n"},
		{string(AppendEvent(nil, "milk", "ignored", true)), "milk DELETED\r\n"},
		{string(AppendOK([]byte("x"))), "xOK\r\n"},
		{string(AppendRequest(nil, Command{Op: OpPut, Bucket: "b", Key: "k", Value: "v"})), "PUT b k v\r\n"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestAppendRepliesAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() {
		buf = AppendEvent(AppendValue(AppendOK(buf[:0]), "value"), "k", "v", false)
	}); n != 0 {
		t.Errorf("reply encoders: %v allocs into a large enough buffer, want 0", n)
	}
}

// protoReadAll reads every line from lr until an error.
func protoReadAll(lr *LineReader) ([]string, error) {
	var lines []string
	for {
		l, err := lr.ReadLine()
		if err != nil {
			return lines, err
		}
		lines = append(lines, string(l))
	}
}

func TestLineReader(t *testing.T) {
	t.Parallel()
	exact := strings.Repeat("x", MaxLineLength)
	tests := []struct {
		name, in string
		want     []string
		err      error
	}{
		{"empty input", "", nil, io.EOF},
		{"terminators", "a\r\nb\nc\r\r\n\n\r\n", []string{"a", "b", "c\r", "", ""}, io.EOF},
		{"eof mid-line", "a\nPUT b", []string{"a"}, io.ErrUnexpectedEOF},
		{"eof after cr", "a\r", nil, io.ErrUnexpectedEOF},
		{"exactly the limit", exact + "\r\n" + exact + "\nz\n", []string{exact, exact, "z"}, io.EOF},
		{"one over, crlf", "a\n" + exact + "x\r\nz\n", []string{"a"}, ErrLineTooLong},
		{"one over, lf", exact + "x\n", nil, ErrLineTooLong},
		{"no newline at all", strings.Repeat("y", 3*MaxLineLength), nil, ErrLineTooLong},
		{"long line then eof", exact, nil, io.ErrUnexpectedEOF},
		{"binary junk", "\x00\xff\r\x01\n", []string{"\x00\xff\r\x01"}, io.EOF},
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
	}
	for _, tt := range tests {
		for rname, wrap := range readers {
			lr := NewLineReader(wrap(strings.NewReader(tt.in)))
			got, err := protoReadAll(lr)
			if err != tt.err || strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("%s (%s): lines %d %.20q, err %v; want %d %.20q, %v",
					tt.name, rname, len(got), got, err, len(tt.want), tt.want, tt.err)
			}
			if _, again := lr.ReadLine(); tt.err == ErrLineTooLong && again != ErrLineTooLong {
				t.Errorf("%s (%s): after ErrLineTooLong, ReadLine = %v", tt.name, rname, again)
			}
		}
	}
}

func TestLineReaderStopsAtLimit(t *testing.T) {
	t.Parallel()
	// The reader reports an over-long line without reading it to its end.
	r := &protoCountingReader{r: iotest.OneByteReader(strings.NewReader(strings.Repeat("z", 10*MaxLineLength)))}
	if _, err := NewLineReader(r).ReadLine(); err != ErrLineTooLong {
		t.Fatalf("err = %v, want ErrLineTooLong", err)
	}
	if r.n > MaxLineLength+2*4096 {
		t.Errorf("read %d bytes to detect a line over %d", r.n, MaxLineLength)
	}
}

type protoCountingReader struct {
	r io.Reader
	n int
}

func (c *protoCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// protoRepeatReader yields the same bytes forever.
type protoRepeatReader struct {
	data []byte
	off  int
}

func (r *protoRepeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.data[r.off:])
		n += c
		r.off = (r.off + c) % len(r.data)
	}
	return n, nil
}

func TestLineReaderAllocs(t *testing.T) {
	short := NewLineReader(&protoRepeatReader{data: []byte("PUT shopping eggs 3\r\nGET shopping eggs\n")})
	if n := testing.AllocsPerRun(1000, func() { _, _ = short.ReadLine() }); n != 0 {
		t.Errorf("short lines: %v allocs per line, want 0", n)
	}
	long := NewLineReader(&protoRepeatReader{data: []byte(strings.Repeat("v", 20000) + "\r\n")})
	_, _ = long.ReadLine() // grows the long-line buffer once
	if n := testing.AllocsPerRun(100, func() { _, _ = long.ReadLine() }); n != 0 {
		t.Errorf("long lines: %v allocs per line after the first, want 0", n)
	}
}

func BenchmarkParseCommand(b *testing.B) {
	line := []byte("PUT shopping eggs 3\r\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := ParseCommand(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLineReader(b *testing.B) {
	data := []byte("PUT shopping eggs 3\r\n")
	lr := NewLineReader(&protoRepeatReader{data: data})
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := lr.ReadLine(); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"UNKNOWN shopping", "GET shopping eggs", "CREATE shopping", "PUT shopping eggs 3", "DELETE shopping eggs",
		"CREATE  shopping\r\n", "GET shopping", "WHATEVER", "SUBSCRIBE shopping", "", "\r\n", "put a b c",
		"PUT\u3000b\u2028k\u0085v", "GET b\u00a0c k", "\xe2\xc2\x85", "\xff\x00PUT", "PUT a b c d",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		c, err := ParseCommand(line)
		words := protoFields(trimTerminator(line))
		switch {
		case len(trimTerminator(line)) > MaxLineLength:
			if !errors.Is(err, ErrLineTooLong) {
				t.Fatalf("line of %d bytes: err = %v, want ErrLineTooLong", len(line), err)
			}
			return
		case err != nil:
			if !errors.Is(err, ErrUnknownCommand) || c != (Command{}) {
				t.Fatalf("ParseCommand(%q) = %+v, %v", line, c, err)
			}
			if len(words) > 0 {
				if op := lookupOp([]byte(words[0])); op != 0 && len(words)-1 == opArgs[op] {
					t.Fatalf("ParseCommand(%q) rejected words %q: %v", line, words, err)
				}
			}
			return
		}
		// Accepted: the words agree with the reference split, the command
		// is valid, and encoding it parses back to the same command.
		got := []string{c.Op.String(), c.Bucket, c.Key, c.Value}[:1+opArgs[c.Op]]
		if strings.Join(got, "\x00") != strings.Join(words, "\x00") || len(got) != len(words) {
			t.Fatalf("ParseCommand(%q) = %+q; reference words %q", line, c, words)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseCommand(%q) = %+q, which does not validate: %v", line, c, err)
		}
		req := AppendRequest(nil, c)
		back, err := ParseCommand(req)
		if err != nil || back != c {
			t.Fatalf("round trip %+q -> %q -> %+q, %v", c, req, back, err)
		}
		// A line reader gives the same line back, in any split.
		lr := NewLineReader(iotest.HalfReader(bytes.NewReader(req)))
		l, err := lr.ReadLine()
		if err != nil || !bytes.Equal(l, req[:len(req)-2]) {
			t.Fatalf("ReadLine of %q = %q, %v", req, l, err)
		}
	})
}

func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\r\nb\nc\r\r\n\n"), uint16(3))
	f.Add([]byte("PUT b k v\r\nGET b"), uint16(1))
	f.Fuzz(func(t *testing.T, in []byte, pad uint16) {
		// Make some lines long: a byte 0xFF stands for a run of pad bytes,
		// so inputs reach the limit.
		in = bytes.ReplaceAll(in, []byte{0xff}, bytes.Repeat([]byte{'p'}, int(pad)*4))
		got, err := protoReadAll(NewLineReader(iotest.HalfReader(bytes.NewReader(in))))
		// The reference: split at "\n", strip one "\r".
		parts := bytes.Split(in, []byte("\n"))
		last := parts[len(parts)-1]
		parts = parts[:len(parts)-1]
		for i, p := range parts {
			if len(p) > 0 && p[len(p)-1] == '\r' {
				p = p[:len(p)-1]
			}
			if len(p) > MaxLineLength {
				if err != ErrLineTooLong || len(got) != i {
					t.Fatalf("line %d of %d bytes: %d lines, err %v", i, len(p), len(got), err)
				}
				return
			}
			if i >= len(got) || string(got[i]) != string(p) {
				t.Fatalf("line %d: got %d lines, err %v", i, len(got), err)
			}
		}
		switch {
		case len(got) != len(parts):
			t.Fatalf("%d lines, want %d", len(got), len(parts))
		case len(last) > MaxLineLength+1:
			if err != ErrLineTooLong {
				t.Fatalf("unterminated %d bytes: err %v", len(last), err)
			}
		case len(last) > 0 && err != io.ErrUnexpectedEOF, len(last) == 0 && err != io.EOF:
			t.Fatalf("trailing %d bytes: err %v", len(last), err)
		}
	})
}
