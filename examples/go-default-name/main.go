package main

import "fmt"

func main() {
	fmt.Println("billing v2")
}
