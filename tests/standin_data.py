"""standin_data - the game's static data behind the stand-in API: cards and
their rarities, the favourite-card weights, names, arenas, locations, badges
and achievements.  Tables only; standin_world and standin_bodies use them."""

MAX_LEVEL = {"common": 16, "rare": 14, "epic": 11, "legendary": 8, "champion": 6}

# (id, name, rarity, elixirCost or None, maxEvolutionLevel or 0)
CARDS = [
    (26000000, "Knight", "common", 3, 1), (26000001, "Archers", "common", 3, 1),
    (26000002, "Goblins", "common", 2, 0), (26000003, "Giant", "rare", 5, 0),
    (26000004, "P.E.K.K.A", "epic", 7, 1), (26000005, "Minions", "common", 3, 0),
    (26000006, "Balloon", "epic", 5, 0), (26000007, "Witch", "epic", 5, 1),
    (26000008, "Barbarians", "common", 5, 1), (26000009, "Golem", "epic", 8, 0),
    (26000010, "Skeletons", "common", 1, 1), (26000011, "Valkyrie", "rare", 4, 1),
    (26000012, "Skeleton Army", "epic", 3, 1), (26000013, "Bomber", "common", 2, 1),
    (26000014, "Musketeer", "rare", 4, 1), (26000015, "Baby Dragon", "epic", 4, 1),
    (26000016, "Prince", "epic", 5, 0), (26000017, "Wizard", "rare", 5, 1),
    (26000018, "Mini P.E.K.K.A", "rare", 4, 0), (26000019, "Spear Goblins", "common", 2, 0),
    (26000020, "Giant Skeleton", "epic", 6, 0), (26000021, "Hog Rider", "rare", 4, 1),
    (26000022, "Minion Horde", "common", 5, 0), (26000023, "Ice Wizard", "legendary", 3, 0),
    (26000024, "Royal Giant", "common", 6, 1), (26000025, "Guards", "epic", 3, 0),
    (26000026, "Princess", "legendary", 3, 0), (26000027, "Dark Prince", "epic", 4, 0),
    (26000028, "Three Musketeers", "rare", 9, 0), (26000029, "Lava Hound", "legendary", 7, 0),
    (26000030, "Ice Spirit", "common", 1, 1), (26000031, "Fire Spirit", "common", 1, 0),
    (26000032, "Miner", "legendary", 3, 0), (26000033, "Sparky", "legendary", 6, 0),
    (26000034, "Bowler", "epic", 5, 0), (26000035, "Lumberjack", "legendary", 4, 1),
    (26000036, "Battle Ram", "rare", 4, 1), (26000037, "Inferno Dragon", "legendary", 4, 1),
    (26000038, "Ice Golem", "rare", 2, 0), (26000039, "Mega Minion", "rare", 3, 0),
    (26000040, "Dart Goblin", "rare", 3, 1), (26000041, "Goblin Gang", "common", 3, 0),
    (26000042, "Electro Wizard", "legendary", 4, 0), (26000043, "Elite Barbarians", "common", 6, 0),
    (26000044, "Hunter", "epic", 4, 1), (26000045, "Executioner", "epic", 5, 1),
    (26000046, "Bandit", "legendary", 3, 0), (26000047, "Royal Recruits", "common", 7, 1),
    (26000048, "Night Witch", "legendary", 4, 0), (26000049, "Bats", "common", 2, 1),
    (26000050, "Royal Ghost", "legendary", 3, 0), (26000051, "Ram Rider", "legendary", 5, 0),
    (26000052, "Zappies", "rare", 4, 0), (26000053, "Rascals", "common", 5, 0),
    (26000054, "Cannon Cart", "epic", 5, 0), (26000055, "Mega Knight", "legendary", 7, 1),
    (26000056, "Skeleton Barrel", "common", 3, 0), (26000057, "Flying Machine", "rare", 4, 0),
    (26000058, "Wall Breakers", "epic", 2, 1), (26000059, "Royal Hogs", "rare", 5, 1),
    (26000060, "Goblin Giant", "epic", 6, 1), (26000061, "Fisherman", "legendary", 3, 0),
    (26000062, "Magic Archer", "legendary", 4, 0), (26000063, "Electro Dragon", "epic", 5, 1),
    (26000064, "Firecracker", "common", 3, 1), (26000065, "Mighty Miner", "champion", 4, 0),
    (26000067, "Elixir Golem", "rare", 3, 0), (26000068, "Battle Healer", "rare", 4, 0),
    (26000069, "Skeleton King", "champion", 4, 0), (26000072, "Archer Queen", "champion", 5, 0),
    (26000074, "Golden Knight", "champion", 4, 0), (26000077, "Monk", "champion", 5, 0),
    (26000080, "Skeleton Dragons", "common", 4, 0), (26000083, "Mother Witch", "legendary", 4, 0),
    (26000084, "Electro Spirit", "common", 1, 0), (26000085, "Electro Giant", "epic", 7, 0),
    (26000087, "Phoenix", "legendary", 4, 0), (26000093, "Little Prince", "champion", 3, 0),
    (26000095, "Goblin Demolisher", "rare", 4, 0), (26000096, "Goblin Machine", "legendary", 5, 0),
    (26000097, "Suspicious Bush", "rare", 2, 0), (26000099, "Goblinstein", "champion", 5, 0),
    (26000101, "Rune Giant", "epic", 4, 0), (26000102, "Berserker", "common", 2, 0),
    (26000103, "Boss Bandit", "champion", 6, 0),
    (27000000, "Cannon", "common", 3, 1), (27000001, "Goblin Hut", "rare", 5, 0),
    (27000002, "Mortar", "common", 4, 1), (27000003, "Inferno Tower", "rare", 5, 0),
    (27000004, "Bomb Tower", "rare", 4, 0), (27000005, "Barbarian Hut", "rare", 7, 0),
    (27000006, "Tesla", "common", 4, 1), (27000007, "Elixir Collector", "rare", 6, 0),
    (27000008, "X-Bow", "epic", 6, 0), (27000009, "Tombstone", "rare", 3, 0),
    (27000010, "Furnace", "rare", 4, 1), (27000012, "Goblin Cage", "rare", 4, 1),
    (27000013, "Goblin Drill", "epic", 4, 1),
    (28000000, "Fireball", "rare", 4, 0), (28000001, "Arrows", "common", 3, 0),
    (28000002, "Rage", "epic", 2, 0), (28000003, "Rocket", "rare", 6, 0),
    (28000004, "Goblin Barrel", "epic", 3, 1), (28000005, "Freeze", "epic", 4, 0),
    (28000006, "Mirror", "epic", 1, 0), (28000007, "Lightning", "epic", 6, 0),
    (28000008, "Zap", "common", 2, 1), (28000009, "Poison", "epic", 4, 0),
    (28000010, "Graveyard", "legendary", 5, 0), (28000011, "The Log", "legendary", 2, 0),
    (28000012, "Tornado", "epic", 3, 0), (28000013, "Clone", "epic", 3, 0),
    (28000014, "Earthquake", "rare", 3, 0), (28000015, "Barbarian Barrel", "epic", 2, 0),
    (28000016, "Heal Spirit", "rare", 1, 0), (28000017, "Giant Snowball", "common", 2, 1),
    (28000018, "Royal Delivery", "common", 3, 0), (28000023, "Void", "epic", 3, 0),
    (28000024, "Goblin Curse", "epic", 2, 0),
]
SUPPORT_CARDS = [
    (159000000, "Tower Princess", "common", None, 0), (159000001, "Cannoneer", "epic", None, 0),
    (159000002, "Dagger Duchess", "legendary", None, 0), (159000004, "Royal Chef", "legendary", None, 0),
]
CARD_BY_ID = {c[0]: c for c in CARDS + SUPPORT_CARDS}

# Favourite-card table: (id, weight).  Weighted so snapshots have a clear top.
FAVOURITES = [
    (26000055, 9), (26000017, 8), (26000000, 7), (26000021, 6), (26000004, 6),
    (27000008, 5), (28000011, 5), (26000014, 4), (28000000, 4), (26000006, 4),
    (26000009, 3), (26000011, 3), (26000012, 3), (26000015, 3), (26000042, 3),
    (26000032, 3), (28000004, 2), (26000026, 2), (26000029, 2), (26000024, 2),
    (26000072, 2), (26000074, 2), (28000008, 2), (27000003, 2), (26000018, 2),
    (159000000, 2),
]
FAV_TOTAL = sum(w for _, w in FAVOURITES)

PLAYER_NAMES = [
    "Goku", "joseph", "Zoë", "Jürgen", "Łukasz", "Ωmega", "김민준", "李小龙",
    "さくら", "Олег", "עברית", "مرحبا", "😀Smile", "King👑", "O'Brien",
    'Quote"Man', "Back\\slash", "Đặng Văn", "Ñandú", "ThePro", "xXSlayerXx",
    "Mårten", "Θεός", "नमस्ते", "Tab\tName", "<b>bold</b>",
]
CLAN_NAMES = ["AUSCLAN", "Les Rois", "Königsklasse", "Royale 🔥", "Ω Team",
              "الفرسان", "Los \"Tigres\"", "Clan\\Slash"]
ARENAS = [(54000000, "Goblin Stadium"), (54000008, "Frozen Peak"),
          (54000013, "Challenger II"), (54000014, "Challenger III"),
          (54000015, "Master I"), (54000016, "Master II"),
          (54000017, "Master III"), (54000018, "Champion"),
          (54000019, "Grand Champion"), (54000020, "Royal Champion"),
          (54000057, "Ultimate Champion")]
LOCATIONS = [(57000021, "Australia", "AU"), (57000094, "Germany", "DE"),
             (57000087, "France", "FR"), (57000122, "Israel", "IL"),
             (57000249, "United States", "US"), (57000006, None, None)]
BADGES = ["Classic12Wins", "Grand12Wins", "ClanWarsVeteran", "Crl20Wins",
          "1000Wins", "Played1Year", "Played2Years", "Played3Years",
          "LadderTournamentTop1000_1", "EmoteCollection", "BannerCollection",
          "CardEvo", "ClanDonations", "2v2", "YearsPlayed", "MasteryWizard"]
ACHIEVEMENTS = [
    ("Team Player", "Join a Clan"), ("Friend in Need", "Donate 2500 cards"),
    ("Road to Glory", "Reach Arena 10"), ("Gatherer", "Collect 100 cards"),
    ("TV Royale", "Watch 10 battles on TV Royale"),
    ("Tournament Rewards", "Win 20 cards in Tournaments"),
    ("Tournament Host", "Host 3 Tournaments"),
    ("Tournament Player", "Participate in a Tournament"),
    ("Challenge Streak", "Win 8 battles in a Challenge"),
    ("Practice with Friends", "Battle a friend"),
    ("Special Challenge", "Participate in a Special Challenge"),
    ("Friend in Need II", "Donate 25000 cards"),
]
