module github.com/gen-go/gen/bench

go 1.26

require github.com/gen-go/gen v0.0.0

replace github.com/gen-go/gen => ../
