def greeting() -> str:
    return "hello from layer v1"
