module github.com/gen-go/gen/bench

go 1.26.0

require github.com/gen-go/gen v0.0.0

require golang.org/x/sync v0.24.0

replace github.com/gen-go/gen => ../
