package main

import (
	"fmt"
	"log"
	"net/http"
	"runtime"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "xsvc on %s/%s\n", runtime.GOOS, runtime.GOARCH)
	})
	log.Fatal(http.ListenAndServe(":9000", nil))
}
