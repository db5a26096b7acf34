GREETING = "hello from layer v1"
