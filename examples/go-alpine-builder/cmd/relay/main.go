package main

import (
	"log"
	"time"
)

func main() {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		log.Fatal(err)
	}
	log.Println("relay up at", time.Now().In(loc))
	select {}
}
