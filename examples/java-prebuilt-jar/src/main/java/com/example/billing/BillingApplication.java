package com.example.billing;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@SpringBootApplication
@RestController
public class BillingApplication {

    @GetMapping("/")
    public String index() {
        return "billing up";
    }

    public static void main(String[] args) {
        SpringApplication.run(BillingApplication.class, args);
    }
}
