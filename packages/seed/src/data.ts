/** Word lists the generator draws from. Apparel and home, so that search means something. */

export interface LeafCategory {
  slug: string;
  name: string;
  parent: 'apparel' | 'home';
  nouns: string[];
  materials: string[];
  /** USD cents, inclusive */
  price: [number, number];
  options: 'apparel' | 'shoes' | 'home-size' | 'colour';
}

export const TOP_CATEGORIES = [
  { slug: 'apparel', name: 'Apparel' },
  { slug: 'home', name: 'Home' },
] as const;

export const LEAF_CATEGORIES: LeafCategory[] = [
  { slug: 't-shirts', name: 'T-Shirts', parent: 'apparel', nouns: ['T-Shirt', 'Crew Tee', 'V-Neck Tee', 'Pocket Tee'], materials: ['Cotton', 'Organic Cotton', 'Slub Jersey', 'Pima Cotton'], price: [1500, 4500], options: 'apparel' },
  { slug: 'shirts', name: 'Shirts', parent: 'apparel', nouns: ['Oxford Shirt', 'Poplin Shirt', 'Overshirt', 'Flannel Shirt'], materials: ['Linen', 'Cotton', 'Chambray', 'Brushed Flannel'], price: [3500, 9500], options: 'apparel' },
  { slug: 'knitwear', name: 'Knitwear', parent: 'apparel', nouns: ['Sweater', 'Cardigan', 'Turtleneck', 'Crewneck Jumper'], materials: ['Merino Wool', 'Cashmere', 'Lambswool', 'Cotton Knit'], price: [5500, 18000], options: 'apparel' },
  { slug: 'hoodies', name: 'Hoodies & Sweatshirts', parent: 'apparel', nouns: ['Hoodie', 'Sweatshirt', 'Zip Hoodie', 'Half-Zip'], materials: ['Fleece', 'French Terry', 'Loopback Cotton'], price: [4000, 9000], options: 'apparel' },
  { slug: 'jackets', name: 'Jackets & Coats', parent: 'apparel', nouns: ['Parka', 'Bomber Jacket', 'Trench Coat', 'Puffer Jacket', 'Rain Jacket'], materials: ['Waxed Cotton', 'Recycled Nylon', 'Wool Blend', 'Gore-Tex'], price: [9000, 35000], options: 'apparel' },
  { slug: 'trousers', name: 'Trousers', parent: 'apparel', nouns: ['Chino', 'Pleated Trouser', 'Cargo Pant', 'Drawstring Pant'], materials: ['Stretch Twill', 'Corduroy', 'Linen', 'Ripstop'], price: [4500, 12000], options: 'apparel' },
  { slug: 'jeans', name: 'Jeans', parent: 'apparel', nouns: ['Slim Jean', 'Straight Jean', 'Relaxed Jean', 'Tapered Jean'], materials: ['Selvedge Denim', 'Stretch Denim', 'Raw Denim'], price: [6000, 16000], options: 'apparel' },
  { slug: 'dresses', name: 'Dresses', parent: 'apparel', nouns: ['Midi Dress', 'Wrap Dress', 'Shirt Dress', 'Slip Dress'], materials: ['Viscose', 'Silk', 'Linen', 'Crepe'], price: [5000, 20000], options: 'apparel' },
  { slug: 'skirts', name: 'Skirts', parent: 'apparel', nouns: ['Pleated Skirt', 'A-Line Skirt', 'Denim Skirt', 'Midi Skirt'], materials: ['Satin', 'Wool', 'Denim', 'Cotton Twill'], price: [3500, 11000], options: 'apparel' },
  { slug: 'activewear', name: 'Activewear', parent: 'apparel', nouns: ['Running Tee', 'Legging', 'Training Short', 'Track Jacket'], materials: ['Recycled Polyester', 'Merino Blend', 'Quick-Dry Mesh'], price: [2500, 9000], options: 'apparel' },
  { slug: 'sneakers', name: 'Sneakers', parent: 'apparel', nouns: ['Sneaker', 'Runner', 'High-Top', 'Court Shoe'], materials: ['Leather', 'Suede', 'Canvas', 'Knit'], price: [6000, 18000], options: 'shoes' },
  { slug: 'bedding', name: 'Bedding', parent: 'home', nouns: ['Duvet Cover', 'Sheet Set', 'Pillowcase Pair', 'Quilt'], materials: ['Percale', 'Sateen', 'Washed Linen', 'Bamboo'], price: [4000, 25000], options: 'home-size' },
  { slug: 'bath', name: 'Bath Towels', parent: 'home', nouns: ['Bath Towel', 'Hand Towel', 'Bath Sheet', 'Bath Mat'], materials: ['Turkish Cotton', 'Waffle Cotton', 'Linen'], price: [1500, 7000], options: 'colour' },
  { slug: 'cushions', name: 'Cushions & Throws', parent: 'home', nouns: ['Cushion Cover', 'Throw Blanket', 'Floor Cushion'], materials: ['Boucle', 'Velvet', 'Wool', 'Chunky Knit'], price: [2500, 15000], options: 'colour' },
  { slug: 'rugs', name: 'Rugs', parent: 'home', nouns: ['Area Rug', 'Runner Rug', 'Flatweave Rug'], materials: ['Jute', 'Wool', 'Cotton', 'Sisal'], price: [6000, 60000], options: 'home-size' },
  { slug: 'lighting', name: 'Lighting', parent: 'home', nouns: ['Table Lamp', 'Floor Lamp', 'Pendant Light', 'Wall Sconce'], materials: ['Brass', 'Ceramic', 'Rattan', 'Frosted Glass'], price: [4000, 30000], options: 'colour' },
  { slug: 'tableware', name: 'Tableware', parent: 'home', nouns: ['Dinner Plate Set', 'Bowl Set', 'Mug Set', 'Serving Platter'], materials: ['Stoneware', 'Porcelain', 'Speckled Ceramic'], price: [2000, 12000], options: 'colour' },
  { slug: 'cookware', name: 'Cookware', parent: 'home', nouns: ['Frying Pan', 'Dutch Oven', 'Saucepan', 'Roasting Tray'], materials: ['Cast Iron', 'Stainless Steel', 'Carbon Steel', 'Enamelled Iron'], price: [3000, 35000], options: 'home-size' },
  { slug: 'storage', name: 'Storage', parent: 'home', nouns: ['Storage Basket', 'Shelf Unit', 'Storage Box', 'Laundry Hamper'], materials: ['Seagrass', 'Oak', 'Felt', 'Powder-Coated Steel'], price: [2000, 20000], options: 'home-size' },
  { slug: 'candles', name: 'Candles & Fragrance', parent: 'home', nouns: ['Scented Candle', 'Reed Diffuser', 'Room Spray'], materials: ['Soy Wax', 'Beeswax', 'Coconut Wax'], price: [1500, 6500], options: 'home-size' },
];

export const APPAREL_BRANDS = ['Northwind', 'Harbor & Pine', 'Atelier Sol', 'Fjordline', 'Common Thread', 'Kestrel', 'Meridian Supply', 'Oakhurst', 'Lumen Studio', 'Tidewater', 'Granite Peak', 'Valeria'];
export const HOME_BRANDS = ['Hearth & Loom', 'Casa Alba', 'Nordhem', 'Stillwater Home', 'Maison Verre', 'Copper Kettle Co.', 'Terra Vessel', 'Linden House', 'Quiet Hours'];

export const ADJECTIVES = ['Classic', 'Relaxed', 'Heritage', 'Everyday', 'Essential', 'Tailored', 'Vintage', 'Modern', 'Coastal', 'Alpine', 'Urban', 'Softwash', 'Lightweight', 'Heavyweight', 'Textured'];
export const COLOURS = ['Black', 'White', 'Navy', 'Olive', 'Sand', 'Charcoal', 'Rust', 'Forest Green', 'Sky Blue', 'Burgundy', 'Cream', 'Mustard', 'Slate', 'Terracotta'];
export const APPAREL_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
export const SHOE_SIZES = ['38', '39', '40', '41', '42', '43', '44', '45'];
export const HOME_SIZES = ['Small', 'Medium', 'Large', 'Extra Large'];

/** Syllables for style names: their base-N digits of the product number make every title unique. */
export const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 've', 'no', 'si', 'ta', 'du', 're', 'an', 'bo', 'el', 'fi', 'ga', 'ho', 'ir', 'ju', 'ke', 'li', 'ma', 'ne', 'or', 'pa', 'qui', 'ro', 'sa', 'te', 'ul', 'vi', 'wa', 'xo', 'ya', 'zo', 'be', 'co', 'da', 'fe', 'gi', 'hu'];

export const FITS = ['a relaxed fit', 'a slim fit', 'a regular fit', 'an oversized fit', 'a tailored fit'];
export const APPAREL_CARE = ['Machine wash cold.', 'Hand wash only.', 'Dry clean recommended.', 'Tumble dry low.'];
export const HOME_CARE = ['Wipe clean with a damp cloth.', 'Spot clean only.', 'Machine washable cover.', 'Dishwasher safe.'];
export const USES = ['weekend mornings', 'the daily commute', 'long dinners', 'slow Sundays', 'travel', 'layering through the seasons', 'gifting', 'small spaces'];
