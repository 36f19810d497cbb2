package main

import (
	"flag"
	"log"
	"time"
)

func main() {
	queue := flag.String("queue", "default", "queue to drain")
	flag.Parse()
	for {
		log.Printf("draining %s", *queue)
		time.Sleep(10 * time.Second)
	}
}
