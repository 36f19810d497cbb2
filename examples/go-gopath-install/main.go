package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello from", os.Getenv("HOSTNAME"))
}
