// The KV text protocol (../shared/KV-PROTOCOL.md): request parsing, reply
// encoding and a bounded line reader. This file uses only the standard
// library, so clients, load generators and other servers can share it.

package kv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

var (
	// ErrUnknownCommand is returned (wrapped, with the reason) by
	// [ParseCommand] for a line that is not a command: an unknown or
	// lower-case word, the wrong number of arguments, or an empty line. The
	// server answers it with UNKNOWN COMMAND. Match it with errors.Is.
	ErrUnknownCommand = errors.New("kv: unknown command")

	// ErrLineTooLong is returned by [LineReader.ReadLine] and
	// [ParseCommand] for a line longer than [MaxLineLength] bytes. The
	// server answers it with ERROR and closes the connection.
	ErrLineTooLong = errors.New("kv: line too long")
)

// MaxLineLength is the longest request line the protocol accepts, in
// bytes, not counting its "\n" or "\r\n" terminator: 64 KiB.
const MaxLineLength = 64 << 10

// Op is a request's command word.
type Op uint8

// The commands of the protocol. The zero Op is not a command.
const (
	OpCreate    Op = iota + 1 // CREATE <bucket>
	OpPut                     // PUT <bucket> <key> <value>
	OpGet                     // GET <bucket> <key>
	OpDelete                  // DELETE <bucket> <key>
	OpSubscribe               // SUBSCRIBE <bucket>
)

// opWords maps an Op to its word on the wire; opArgs to its argument count.
var (
	opWords = [...]string{OpCreate: "CREATE", OpPut: "PUT", OpGet: "GET", OpDelete: "DELETE", OpSubscribe: "SUBSCRIBE"}
	opArgs  = [...]int{OpCreate: 1, OpPut: 3, OpGet: 2, OpDelete: 2, OpSubscribe: 1}
)

// String returns the command word ("PUT"), or "Op(n)" for a value that is
// not a command.
func (op Op) String() string {
	if op.valid() {
		return opWords[op]
	}
	return fmt.Sprintf("Op(%d)", uint8(op))
}

func (op Op) valid() bool { return op >= OpCreate && op <= OpSubscribe }

// Command is one parsed request line. Op says which command it is; the
// fields it does not use are empty:
//
//	CREATE, SUBSCRIBE  Bucket
//	GET, DELETE        Bucket, Key
//	PUT                Bucket, Key, Value
//
// Every used field is a non-empty byte string without protocol whitespace
// (see [ParseCommand]); it need not be valid UTF-8.
type Command struct {
	Op                 Op
	Bucket, Key, Value string
}

// Validate reports whether c is a command that [AppendRequest] can encode
// and [ParseCommand] gives back unchanged: a known Op, its fields
// non-empty and free of protocol whitespace, the unused fields empty, and
// the encoded line within [MaxLineLength]. The error wraps
// [ErrUnknownCommand] or [ErrLineTooLong].
func (c Command) Validate() error {
	if !c.Op.valid() {
		return fmt.Errorf("%w: %v", ErrUnknownCommand, c.Op)
	}
	fields := [3]string{c.Bucket, c.Key, c.Value}
	n := len(opWords[c.Op])
	for i, f := range fields {
		used := i < opArgs[c.Op]
		switch {
		case used && f == "":
			return fmt.Errorf("%w: %v with an empty argument %d", ErrUnknownCommand, c.Op, i+1)
		case !used && f != "":
			return fmt.Errorf("%w: %v takes %d argument(s), argument %d is set", ErrUnknownCommand, c.Op, opArgs[c.Op], i+1)
		case used && hasSpace(f):
			return fmt.Errorf("%w: %v argument %d contains whitespace", ErrUnknownCommand, c.Op, i+1)
		}
		if used {
			n += 1 + len(f)
		}
	}
	if n > MaxLineLength {
		return fmt.Errorf("%w: %d bytes", ErrLineTooLong, n)
	}
	return nil
}

// hasSpace reports whether s contains protocol whitespace.
func hasSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if spaceLen(s, i) > 0 {
			return true
		}
	}
	return false
}

// ParseCommand parses one request line, with or without its "\n" or
// "\r\n" terminator, as the guide's KV.Command.parse/1 does.
//
// The line is split into words as Elixir's String.split/1 splits a
// string: at every run of whitespace, ignoring leading and trailing
// whitespace. Whitespace is the Unicode White_Space property except the
// no-break spaces (U+00A0, U+2007, U+202F), which is what String.split/1
// uses: the ASCII bytes \t \n \v \f \r and space, and the UTF-8 encodings
// of U+0085, U+1680, U+2000..U+2006, U+2008..U+200A, U+2028, U+2029,
// U+205F and U+3000. Like Elixir, which splits with :binary.split/3,
// these are matched as byte sequences, so a line need not be valid
// UTF-8: any other byte, including NUL and invalid UTF-8, is part of a
// word. This is checked against Elixir 1.14 in the tests.
//
// The first word must be CREATE, PUT, GET, DELETE or SUBSCRIBE, in upper
// case, followed by exactly the number of words the command takes.
// Anything else, including an empty or blank line, returns an error
// wrapping [ErrUnknownCommand]. A line longer than [MaxLineLength] (not
// counting its terminator) returns an error wrapping [ErrLineTooLong].
//
// The Command's strings are copies: line may be reused afterwards. A
// valid line costs one allocation, for its arguments together.
func ParseCommand(line []byte) (Command, error) {
	if n := len(trimTerminator(line)); n > MaxLineLength {
		return Command{}, fmt.Errorf("%w: %d bytes", ErrLineTooLong, n)
	}
	// Find at most five words: a command and up to four arguments, where
	// a fourth argument is already one too many.
	var words [5][2]int
	n := 0
	for i := 0; n < len(words); n++ {
		start, end := nextWord(line, i)
		if start == end {
			break
		}
		words[n] = [2]int{start, end}
		i = end
	}
	if n == 0 {
		return Command{}, fmt.Errorf("%w: empty line", ErrUnknownCommand)
	}
	op := lookupOp(line[words[0][0]:words[0][1]])
	if op == 0 {
		return Command{}, fmt.Errorf("%w: %q is not a command", ErrUnknownCommand, prefix(line[words[0][0]:words[0][1]]))
	}
	if args := n - 1; args != opArgs[op] {
		more := ""
		if n == len(words) {
			more = " or more"
		}
		return Command{}, fmt.Errorf("%w: %v takes %d argument(s), got %d%s", ErrUnknownCommand, op, opArgs[op], args, more)
	}
	// One string holds every argument; the fields are slices of it.
	first, last := words[1][0], words[n-1][1]
	s := string(line[first:last])
	arg := func(i int) string { return s[words[i][0]-first : words[i][1]-first] }
	c := Command{Op: op, Bucket: arg(1)}
	if n > 2 {
		c.Key = arg(2)
	}
	if n > 3 {
		c.Value = arg(3)
	}
	return c, nil
}

// prefix shortens a word for an error message.
func prefix(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}

// lookupOp returns the Op whose word is w, or 0.
func lookupOp(w []byte) Op {
	for op := OpCreate; op <= OpSubscribe; op++ {
		if string(w) == opWords[op] {
			return op
		}
	}
	return 0
}

// nextWord returns the bounds of the first word of line at or after i, or
// start == end if there is none.
func nextWord(line []byte, i int) (start, end int) {
	for i < len(line) {
		n := spaceLen(line, i)
		if n == 0 {
			break
		}
		i += n
	}
	start = i
	for i < len(line) && spaceLen(line, i) == 0 {
		i++
	}
	return start, i
}

// spaceLen returns the length of the whitespace sequence that starts at
// b[i], or 0 if none does. The set is String.split/1's (see
// [ParseCommand]); no sequence is a prefix of another, so the first match
// is the only one.
func spaceLen[T string | []byte](b T, i int) int {
	c := b[i]
	switch {
	case c == ' ' || c >= '\t' && c <= '\r':
		return 1
	case c < 0xC2 || c > 0xE3:
		return 0
	}
	rest := len(b) - i
	switch c {
	case 0xC2: // U+0085
		if rest >= 2 && b[i+1] == 0x85 {
			return 2
		}
	case 0xE1: // U+1680
		if rest >= 3 && b[i+1] == 0x9A && b[i+2] == 0x80 {
			return 3
		}
	case 0xE2:
		if rest < 3 {
			return 0
		}
		c1, c2 := b[i+1], b[i+2]
		switch {
		case c1 == 0x80 && (c2 >= 0x80 && c2 <= 0x86 || c2 >= 0x88 && c2 <= 0x8A): // U+2000..U+2006, U+2008..U+200A
			return 3
		case c1 == 0x80 && (c2 == 0xA8 || c2 == 0xA9): // U+2028, U+2029
			return 3
		case c1 == 0x81 && c2 == 0x9F: // U+205F
			return 3
		}
	case 0xE3: // U+3000
		if rest >= 3 && b[i+1] == 0x80 && b[i+2] == 0x80 {
			return 3
		}
	}
	return 0
}

// AppendRequest appends c's request line, terminated by "\r\n", to dst and
// returns the extended buffer. If c.Validate() is nil, ParseCommand gives
// back c from the line; otherwise the line is written as it is and will
// not parse back to c.
func AppendRequest(dst []byte, c Command) []byte {
	if !c.Op.valid() {
		return append(dst, "\r\n"...) // an empty line: UNKNOWN COMMAND
	}
	dst = append(dst, opWords[c.Op]...)
	fields := [3]string{c.Bucket, c.Key, c.Value}
	for _, f := range fields[:opArgs[c.Op]] {
		dst = append(dst, ' ')
		dst = append(dst, f...)
	}
	return append(dst, "\r\n"...)
}

// AppendOK appends "OK\r\n": the reply to a successful CREATE, PUT and
// DELETE.
func AppendOK(dst []byte) []byte { return append(dst, "OK\r\n"...) }

// AppendValue appends the reply to a GET from an existing bucket: the value
// on a line of its own, then "OK\r\n". A missing key's value is "", which
// gives "\r\nOK\r\n". value should hold no "\n"; a value that came from
// ParseCommand never does.
func AppendValue(dst []byte, value string) []byte {
	dst = append(dst, value...)
	return append(dst, "\r\nOK\r\n"...)
}

// AppendNotFound appends "NOT FOUND\r\n": the reply to PUT, GET, DELETE and
// SUBSCRIBE on a bucket that does not exist.
func AppendNotFound(dst []byte) []byte { return append(dst, "NOT FOUND\r\n"...) }

// AppendUnknownCommand appends "UNKNOWN COMMAND\r\n": the reply to a line
// ParseCommand rejects with ErrUnknownCommand.
func AppendUnknownCommand(dst []byte) []byte { return append(dst, "UNKNOWN COMMAND\r\n"...) }

// AppendError appends "ERROR\r\n": the last reply on a connection that
// failed (a line over MaxLineLength, or a command that failed), after which
// the server closes it.
func AppendError(dst []byte) []byte { return append(dst, "ERROR\r\n"...) }

// AppendEvent appends one SUBSCRIBE event line: "<key> SET TO <value>\r\n"
// for a PUT, or "<key> DELETED\r\n" when deleted is true (value is then
// ignored).
func AppendEvent(dst []byte, key, value string, deleted bool) []byte {
	dst = append(dst, key...)
	if deleted {
		return append(dst, " DELETED\r\n"...)
	}
	dst = append(dst, " SET TO "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// A LineReader reads request lines from a connection, as :gen_tcp with
// packet: :line delivers them, and enforces [MaxLineLength].
//
// It buffers its input: do not read from the underlying reader while the
// LineReader is in use. Its memory is a small read buffer, plus a buffer
// of up to MaxLineLength+2 bytes that is allocated and then kept only
// once a line does not fit the read buffer. A LineReader is not safe for
// concurrent use.
type LineReader struct {
	r    *bufio.Reader
	long []byte // assembles lines that do not fit r's buffer
	err  error  // sticky ErrLineTooLong
}

// NewLineReader returns a LineReader that reads from r.
func NewLineReader(r io.Reader) *LineReader {
	return &LineReader{r: bufio.NewReader(r)}
}

// ReadLine returns the next line without its "\n" or "\r\n" terminator
// (only one "\r" is removed). The slice is valid until the next call; copy
// it to keep it. Reading a line allocates nothing once the reader has
// reached its largest line.
//
// Errors:
//   - io.EOF: the input ended cleanly, at the start of a line.
//   - io.ErrUnexpectedEOF: the input ended in the middle of a line; the
//     partial line is dropped.
//   - [ErrLineTooLong]: the line is longer than MaxLineLength. It is
//     reported as soon as the limit is passed, without reading the rest of
//     the line, and every later call returns it too.
//   - any other error from the underlying reader (a timeout, a reset), as
//     it is; a partial line read before it is dropped.
func (lr *LineReader) ReadLine() ([]byte, error) {
	if lr.err != nil {
		return nil, lr.err
	}
	frag, err := lr.r.ReadSlice('\n')
	if err == nil { // the common case: the whole line was in the buffer
		return lr.finish(frag)
	}
	long := lr.long[:0]
	for errors.Is(err, bufio.ErrBufferFull) {
		long = append(long, frag...)
		// A line of MaxLineLength bytes can have MaxLineLength+1 before
		// its "\n" arrives: the last may be the "\r" of "\r\n".
		if len(long) > MaxLineLength+1 {
			lr.long = long[:0]
			lr.err = ErrLineTooLong
			return nil, lr.err
		}
		frag, err = lr.r.ReadSlice('\n')
	}
	long = append(long, frag...)
	lr.long = long[:0]
	switch {
	case err == nil:
		return lr.finish(long)
	case len(long) > MaxLineLength+1: // unterminated, and already too long
		lr.err = ErrLineTooLong
		return nil, lr.err
	case err == io.EOF && len(long) == 0:
		return nil, io.EOF
	case err == io.EOF:
		return nil, io.ErrUnexpectedEOF
	}
	return nil, err
}

// finish strips line's terminator and checks its length.
func (lr *LineReader) finish(line []byte) ([]byte, error) {
	line = trimTerminator(line)
	if len(line) > MaxLineLength {
		lr.err = ErrLineTooLong
		return nil, lr.err
	}
	return line, nil
}

// trimTerminator removes a final "\n" or "\r\n".
func trimTerminator(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n > 1 && line[n-2] == '\r' {
			line = line[:n-2]
		}
	}
	return line
}
