# SPDX-License-Identifier: Apache-2.0
# The split step of examples/multilang: one ["word"] tuple per word of a ["sentence"] tuple,
# anchored to it (tinystorm acks the sentence once process() returns).
import tinystorm


class SplitSentence(tinystorm.Bolt):
    def process(self, tup):
        for word in tup["tuple"][0].split():
            self.emit([word])


SplitSentence().run()
