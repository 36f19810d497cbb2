package com.example.greeter;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@SpringBootApplication
@RestController
public class GreeterApplication {

    @Value("${greeter.salutation}")
    private String salutation;

    @GetMapping("/greet")
    public String greet(@RequestParam(defaultValue = "world") String name) {
        return salutation + ", " + name + "!";
    }

    public static void main(String[] args) {
        SpringApplication.run(GreeterApplication.class, args);
    }
}
