"""Word lists the slot fillers draw from (names, places, products, couriers, prizes)."""

from __future__ import annotations

# Hand-wrapped word lists; one item per line would triple the file for no gain.
# fmt: off

NAMES: tuple[str, ...] = (
    # Jamaican and Caribbean first names
    "Shanice", "Devon", "Tashana", "Kemar", "Alecia", "Jermaine", "Shauna", "Andre", "Kadian",
    "Omar", "Tamoy", "Rushane", "Shelly-Ann", "Damion", "Nordia", "Odane", "Kerry-Ann", "Dwayne",
    "Sashoy", "Romaine", "Tashoy", "Kimone", "Delroy", "Marsha", "Jhordan", "Tanesha", "Oneil",
    "Shamoy", "Winston", "Yanique", "Garfield", "Sheree", "Fabian", "Annmarie", "Leroy", "Kaydeen",
    "Jovaughn", "Latoya", "Everton", "Shanique", "Rohan", "Simone", "Tajay", "Keisha", "Orville",
    "Patrice", "Ricardo", "Stacy-Ann", "Javon", "Abigail", "Nickeisha", "Trevor", "Shadae",
    "Craig", "Chevelle", "Akeem", "Monique", "Dujon", "Toni-Ann", "Roshane", "Khadijah", "Lennox",
    "Sanjay", "Mei", "Hopeton", "Yolanda", "Kirk", "Dahlia", "Marlon", "Sherika",
    # general first names
    "Michael", "Sarah", "David", "Emily", "James", "Jessica", "Daniel", "Ashley", "Chris",
    "Amanda", "Kevin", "Nicole", "Brian", "Melissa", "Jason", "Rachel", "Ryan", "Laura",
    "Matthew", "Olivia", "Anthony", "Grace", "Joseph", "Hannah", "Mark", "Sophia", "Paul",
    "Natalie", "Steven", "Chloe", "Aisha", "Carlos", "Maria", "Ahmed", "Priya", "Wei", "Luis",
    "Fatima", "Jamal", "Tiffany", "Marcus", "Brandon", "Vanessa", "Derrick", "Renee",
)

TOWNS: tuple[str, ...] = (
    "Kingston", "Portmore", "Spanish Town", "Montego Bay", "Mandeville", "May Pen", "Ocho Rios",
    "Old Harbour", "Savanna-la-Mar", "Linstead", "Half Way Tree", "Port Antonio", "Morant Bay",
    "Negril", "Falmouth", "Black River", "St. Ann's Bay", "Lucea", "Port Maria", "Santa Cruz",
    "Christiana", "Bog Walk", "Ewarton", "Hayes", "Junction", "Browns Town", "Runaway Bay",
    "Constant Spring", "New Kingston", "Papine", "Liguanea", "Stony Hill", "Gregory Park",
    "Bridgeport", "Greater Portmore", "Cross Roads", "Barbican", "Red Hills", "Duhaney Park",
    "St. Ann", "St. Catherine", "St. Andrew", "Clarendon", "Manchester", "St. Elizabeth",
    "Westmoreland", "Hanover", "Trelawny", "St. James", "St. Mary", "Portland", "St. Thomas",
    "Yallahs", "Highgate", "Annotto Bay", "Discovery Bay", "Whitehouse", "Chapelton",
    "Frankfield", "Lionel Town", "Ironshore", "Rose Hall", "Santa Cruz, St. Elizabeth",
)

PRODUCTS: tuple[str, ...] = (
    "rice cooker", "pair of Clarks", "phone case", "Bluetooth speaker", "blender", "air fryer",
    "standing fan", "laptop bag", "school bag", "pair of sneakers", "Wallabees", "dress",
    "maxi dress", "wig", "lace front wig", "bundle of hair", "hair bonnet", "lash kit",
    "nail kit", "perfume", "body lotion set", "shea butter", "Jamaican black castor oil",
    "Blue Mountain coffee", "bag of coffee beans", "jerk seasoning", "Walkerswood sauce",
    "bottle of Appleton", "rum cake", "bulla and cheese box", "hard dough bread maker",
    "Dutch pot", "cast iron pot", "set of knives", "pressure cooker", "microwave", "toaster",
    "kettle", "coffee maker", "water filter", "mattress topper", "bed sheet set", "pillows",
    "curtains", "rug", "shower curtain", "towel set", "desk lamp", "office chair", "study desk",
    "bookshelf", "TV stand", "43 inch TV", "Firestick", "router", "power bank", "phone charger",
    "USB-C cable", "wireless earbuds", "AirPods", "headphones", "smart watch", "Fitbit",
    "Samsung A15", "iPhone 13", "iPhone charger", "tablet", "Kindle", "laptop", "gaming mouse",
    "keyboard", "PS5 controller", "Xbox controller", "printer", "printer ink", "memory card",
    "flash drive", "ring light", "tripod", "camera", "baby stroller", "car seat", "baby monitor",
    "crib", "diapers", "baby clothes bundle", "school uniform", "school shoes", "backpack",
    "lunch box", "water bottle", "thermos", "cooler", "beach chair", "umbrella", "raincoat",
    "rain boots", "solar light", "extension cord", "surge protector", "inverter", "battery",
    "car charger", "car seat covers", "floor mats", "tyre inflator", "jump starter",
    "bike", "bike helmet", "dumbbells", "yoga mat", "jersey", "Reggae Boyz jersey", "football",
    "cricket bat", "swimsuit", "bikini set", "jeans", "pair of shorts", "polo shirt", "T-shirt",
    "hoodie", "jacket", "suit", "tie", "belt", "handbag", "wallet", "sunglasses",
    "gold chain", "earrings", "bracelet", "watch", "ring", "anklet", "sandals", "slippers",
    "Crocs", "heels", "work boots", "paint set", "sewing machine", "fabric", "craft kit",
    "plant pots", "garden hose", "lawn mower", "weed whacker", "tool set", "drill",
    "ceiling fan", "AC unit", "mini fridge", "chest freezer", "washing machine part",
    "vacuum", "mop set", "storage bins", "Bible", "textbook", "CSEC past papers", "novel",
    "guitar", "keyboard piano", "speaker box", "microphone", "dog food", "cat litter",
    "fish tank", "bird cage",
)

COURIERS: tuple[str, ...] = (
    "Knutsford Express", "ZipMail", "DHL", "the KX driver", "FedEx", "UPS", "JamPost",
    "the courier", "Tara Courier", "the delivery guy", "KX Logistics", "Mail Boxes Etc",
    "the KX van", "the dispatch rider",
)

DAYS: tuple[str, ...] = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)

TIMES_WORDS: tuple[str, ...] = (
    "this evening", "this afternoon", "noon", "midday", "lunchtime", "tonight", "half past two",
    "quarter to four", "5 o'clock", "9 in the morning", "6 in the evening", "half past ten",
)

BANKS: tuple[str, ...] = (
    "NCB", "Scotiabank", "JN Bank", "Sagicor", "CIBC FirstCaribbean", "JMMB", "First Global Bank",
    "Victoria Mutual", "National Commercial Bank", "Scotia", "JN", "Sagicor Bank", "COK",
    "Bank of America", "Chase",
)

PRIZES: tuple[str, ...] = (
    "JMD 250,000", "a brand new iPhone", "a Samsung S24", "US$1,000", "a US$500 gift card",
    "JMD 1,000,000", "a trip to Miami", "a 55 inch TV", "J$500,000", "a free PS5",
    "a KX shopping voucher worth $100,000", "a Honda Fit", "US$2,500 cash", "a MacBook",
    "JMD 75,000 in store credit", "a year of free delivery",
)

FIRST_HANDLE_WORDS: tuple[str, ...] = (
    "styles", "deals", "ja", "876", "kingston", "boutique", "plug", "shop", "hair", "tech",
    "official", "vibes", "collection", "closet", "finds", "mobile", "gadgets", "beauty",
)

MAIL_DOMAINS: tuple[str, ...] = (
    "gmail", "gmail", "gmail", "yahoo", "hotmail", "outlook", "icloud", "live", "aol",
)
# fmt: on
