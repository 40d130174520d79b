x = [YOUR IP]
